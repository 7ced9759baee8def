/** One migration file, as the runner and the preflight read it (migrations/NNNN_name.sql). */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** sha256 of the file: a released migration must never change. */
  readonly checksum: string;
}
