/** What one IMAP run did, per direction, and the notes a user should read (conflicts, UIDVALIDITY). */
export interface ImapCounts {
  downloaded: number;
  bytes: number;
  uploaded: number;
  flagsToServer: number;
  flagsToLocal: number;
  deletedOnServer: number;
  deletedLocally: number;
  moved: number;
  restored: number;
  foldersCreated: number;
  foldersDeleted: number;
  foldersRenamed: number;
}

export function emptyCounts(): ImapCounts {
  return {
    downloaded: 0,
    bytes: 0,
    uploaded: 0,
    flagsToServer: 0,
    flagsToLocal: 0,
    deletedOnServer: 0,
    deletedLocally: 0,
    moved: 0,
    restored: 0,
    foldersCreated: 0,
    foldersDeleted: 0,
    foldersRenamed: 0,
  };
}

export interface ImapReport {
  counts: ImapCounts;
  notes: string[];
  /** Folders that needed no SELECT (unchanged on both sides). */
  unchangedFolders: number;
  folders: number;
}
