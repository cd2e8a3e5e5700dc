/**
 * The base subject of RFC 5256 §2.1, for IMAP SORT (SUBJECT) and THREAD: the subject without reply and
 * forward markers, list tags or "(fwd)" trailers, whitespace collapsed. Input is the decoded subject
 * (RFC 2047 already undone, as in the search header text). Pure.
 *
 *   subj-trailer = "(fwd)" / WSP
 *   subj-leader  = (*subj-blob subj-refwd) / WSP
 *   subj-refwd   = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
 *   subj-blob    = "[" *BLOBCHAR "]" *WSP
 *   subj-fwd     = "[fwd:" subject "]"
 */

export interface BaseSubject {
  /** The base subject, not case-folded. */
  subject: string;
  /** A re/fw(d) leader, a "(fwd)" trailer or a [fwd: ...] wrapper was removed (RFC 5256 §4 step 6). */
  replyOrForward: boolean;
}

const BLOB = /^\[[^[\]]*\] */;
const REFWD = /^(?:re|fwd?) *(?:\[[^[\]]*\] *)?:/i;

export function baseSubject(raw: string): BaseSubject {
  // (1) Whitespace (tabs, folding) collapsed to single spaces.
  let s = raw.replace(/[\t\r\n ]+/g, ' ');
  let replyOrForward = false;
  for (;;) {
    // (2) Trailers, repeatedly: "(fwd)" and whitespace.
    for (;;) {
      if (s.endsWith(' ')) s = s.slice(0, -1);
      else if (s.length >= 5 && s.slice(-5).toLowerCase() === '(fwd)') {
        s = s.slice(0, -5);
        replyOrForward = true;
      } else break;
    }
    // (3)-(5) Leaders and blobs, until nothing changes.
    for (;;) {
      const before = s;
      // (3) subj-leader: leading whitespace, or blobs followed by a re/fwd marker.
      if (s.startsWith(' ')) s = s.slice(1);
      else {
        let rest = s;
        for (let blob = BLOB.exec(rest); blob; blob = BLOB.exec(rest)) rest = rest.slice(blob[0].length);
        const refwd = REFWD.exec(rest);
        if (refwd) {
          s = rest.slice(refwd[0].length);
          replyOrForward = true;
        } else {
          // (4) A leading blob goes if something is left after it.
          const blob = BLOB.exec(s);
          if (blob && s.length > blob[0].length) s = s.slice(blob[0].length);
        }
      }
      if (s === before) break;
    }
    // (6) [fwd: subject] unwraps, then back to (2).
    if (s.length >= 6 && s.slice(0, 5).toLowerCase() === '[fwd:' && s.endsWith(']')) {
      s = s.slice(5, -1);
      replyOrForward = true;
      continue;
    }
    return { subject: s, replyOrForward };
  }
}
