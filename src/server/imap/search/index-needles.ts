/**
 * Which parts of a SEARCH a full-text index may narrow (Store.searchCandidates): the HEADER/BODY/TEXT
 * keys every match must satisfy, i.e. those AND-ed at the top. A key under OR or NOT does not restrict
 * the matches to messages containing its string, so it is left to the exact evaluation alone.
 */
import type { SearchKey } from '../../../protocol/imap/command.js';
import type { TextNeedle } from '../../../store/store.js';

export function indexNeedles(criteria: SearchKey): TextNeedle[] {
  const needles: TextNeedle[] = [];
  const visit = (key: SearchKey): void => {
    switch (key.key) {
      case 'AND':
        for (const k of key.keys) visit(k);
        return;
      case 'HEADER':
        // An empty value matches every message that has the field: nothing to look for.
        if (key.value !== '')
          needles.push({ where: 'header', field: key.field.toLowerCase(), value: key.value });
        return;
      case 'BODY':
        if (key.value !== '') needles.push({ where: 'body', value: key.value });
        return;
      case 'TEXT':
        if (key.value !== '') needles.push({ where: 'text', value: key.value });
        return;
      default:
        return;
    }
  };
  visit(criteria);
  return needles;
}
