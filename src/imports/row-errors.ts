/** `row` is the 1-based line in the file, header included, so a user can find it in a spreadsheet or editor. */
export interface RowError {
  row: number;
  field?: string;
  message: string;
}

/** A long list helps nobody; a caller that sees exactly this many can say "first 200 shown". */
export const MAX_ROW_ERRORS = 200;

/** Errors of an import, capped at MAX_ROW_ERRORS. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- fixed by `new RowErrors<Column>()`, it checks every later add()
export class RowErrors<Field extends string = string> {
  readonly items: RowError[] = [];
  add(row: number, message: string, field?: Field): void {
    if (this.items.length >= MAX_ROW_ERRORS) return;
    this.items.push(field ? { row, field, message } : { row, message });
  }
  get full(): boolean {
    return this.items.length >= MAX_ROW_ERRORS;
  }
}
