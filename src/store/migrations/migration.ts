/** A schema change, applied once, in version order, inside a transaction. */
export interface Migration {
  /** 1, 2, 3, … without gaps. */
  version: number;
  name: string;
  sql: string;
}
