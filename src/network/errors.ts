// Typed errors of the network module: CNI configs, plugins and namespaces,
// each with a stable code and the input (network, plugin, path) in `detail`.

import { BerthError } from '../util/index.js';

export type NetworkErrorCode =
  /** No conflist in the config dir has that network name. */
  | 'network-unknown'
  /** A network of that name, or a network on that subnet or bridge, already exists. */
  | 'network-exists'
  /** A conflist file could not be parsed or lacks `name`/`plugins`. */
  | 'config-invalid'
  /** The container is not on that network (disconnect), or has no namespace of Berth's to connect. */
  | 'not-connected'
  /** The plugin's executable is in none of the CNI_PATH dirs. */
  | 'plugin-missing'
  /** The plugin ran and reported an error (its CNI error code and msg in detail). */
  | 'plugin-failed'
  /** A network namespace could not be created or removed. */
  | 'netns-failed'
  /** A `-p` value that is not [ip:]hostPort:containerPort[/proto]. */
  | 'invalid-port';

export class NetworkError extends BerthError<NetworkErrorCode> {}

export function isNetworkError(err: unknown, ...codes: NetworkErrorCode[]): err is NetworkError {
  return err instanceof NetworkError && (codes.length === 0 || codes.includes(err.code));
}
