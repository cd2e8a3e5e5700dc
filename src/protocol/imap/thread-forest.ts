/** THREAD answers as nodes and as flat forests (response.ts ThreadForest), each from the other. */
import type { ThreadForest, ThreadNode } from './response.js';

/** The forest of `trees` (thread-forest order: each tree in preorder, one after another). */
export function forestOf(trees: readonly ThreadNode[]): ThreadForest {
  const ids: number[] = [];
  const childCounts: number[] = [];
  const walk = (node: ThreadNode): void => {
    ids.push(node.id ?? 0);
    childCounts.push(node.children.length);
    for (const child of node.children) walk(child);
  };
  for (const tree of trees) walk(tree);
  return { ids: Uint32Array.from(ids), childCounts: Uint32Array.from(childCounts) };
}

/** The trees of `forest` as nodes (tests and small answers). */
export function treesOf(forest: ThreadForest): ThreadNode[] {
  let at = 0;
  const node = (): ThreadNode => {
    const i = at++;
    const children: ThreadNode[] = [];
    for (let k = 0; k < forest.childCounts[i]!; k++) children.push(node());
    return { id: forest.ids[i] === 0 ? null : forest.ids[i]!, children };
  };
  const trees: ThreadNode[] = [];
  while (at < forest.ids.length) trees.push(node());
  return trees;
}
