// Error texts as the Go CLI prints them.

/** The message the Go CLI's `%v` / `%+v` would show. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * For lines where the CLI itself names the argument (`nosuch: identifier is not a
 * layer`, `… while mounting nosuch`): Berth's errors already start with the input
 * they are about, and Go's bare sentinel does not, so that prefix is dropped
 * instead of printed twice.
 */
export function errorTextFor(err: unknown, argument: string): string {
  const text = errorText(err);
  const prefix = `${argument}: `;
  return text.startsWith(prefix) ? text.slice(prefix.length) : text;
}
