/**
 * Two Postyard nodes on one database of a throwaway PostgreSQL cluster (postgres.ts), each with a data
 * directory of its own, or both on `sharedDataDir` (file blobs need one). close() stops both and the
 * cluster; a shared directory stays the caller's.
 */
import type { Config } from '../../src/config/types.js';
import { startPostgres, type TestPostgres } from './postgres.js';
import { startTestServer, type TestServer } from './server.js';

export interface TwoNodes {
  cluster: TestPostgres;
  url: string;
  nodeA: TestServer;
  nodeB: TestServer;
  close(): Promise<void>;
}

export async function startTwoNodes(
  store: Partial<Pick<Config['store'], 'blobs'>> = {},
  sharedDataDir?: string,
): Promise<TwoNodes> {
  const cluster = await startPostgres();
  const nodes: TestServer[] = [];
  const close = async () => {
    for (const node of nodes) await node.close();
    await cluster.stop();
  };
  try {
    const url = await cluster.createDatabase();
    const overrides = { store: { backend: 'postgres' as const, postgresUrl: url, ...store } };
    const options = sharedDataDir === undefined ? {} : { dataDir: sharedDataDir };
    for (let i = 0; i < 2; i++) nodes.push(await startTestServer(overrides, options));
    return { cluster, url, nodeA: nodes[0]!, nodeB: nodes[1]!, close };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}
