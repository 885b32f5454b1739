// podman's ways of printing image facts: sizes in decimal units ("4.5 MB"),
// times as "2 weeks ago", short IDs, names split into repository and tag.

/** go-units HumanSize: 3 significant digits, decimal units. */
export function humanSize(bytes: number): string {
  return scaled(bytes, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB'], 3, ' ');
}

/** go-units HumanSize: 4 significant digits, decimal units (`2.008MB`), as podman's system df prints sizes. */
export function unitsHumanSize(bytes: number): string {
  return scaled(bytes, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB'], 4, '');
}

/** go-units BytesSize: 4 significant digits, binary units (`1.5MiB`). */
export function humanBinarySize(bytes: number): string {
  return scaled(bytes, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], 4, '');
}

function scaled(bytes: number, step: number, units: string[], digits: number, separator: string): string {
  let value = bytes;
  let unit = 0;
  while (value >= step && unit < units.length - 1) {
    value /= step;
    unit++;
  }
  return `${Number(value.toPrecision(digits))}${separator}${units[unit]}`;
}

/** go-units HumanDuration + " ago", as podman images prints CREATED. */
export function timeAgo(created: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(created)) / 1000));
  const minutes = Math.round(seconds / 60);
  const hours = Math.round(seconds / 3600);
  let text: string;
  if (seconds < 1) text = 'Less than a second';
  else if (seconds === 1) text = '1 second';
  else if (seconds < 60) text = `${seconds} seconds`;
  else if (minutes === 1) text = 'About a minute';
  else if (minutes < 60) text = `${minutes} minutes`;
  else if (hours === 1) text = 'About an hour';
  else if (hours < 48) text = `${hours} hours`;
  else if (hours < 24 * 7 * 2) text = `${Math.floor(hours / 24)} days`;
  else if (hours < 24 * 30 * 2) text = `${Math.floor(hours / 24 / 7)} weeks`;
  else if (hours < 24 * 365 * 2) text = `${Math.floor(hours / 24 / 30)} months`;
  else text = `${Math.floor(hours / 24 / 365)} years`;
  return `${text} ago`;
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** `repo:tag` → [repo, tag]; digests and untagged names give `<none>`. */
export function splitRepoTag(name: string): [string, string] {
  const at = name.indexOf('@');
  if (at >= 0) return [name.slice(0, at), '<none>'];
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) return [name.slice(0, colon), name.slice(colon + 1)];
  return [name, '<none>'];
}
