// go-units' FromHumanSize, as podman reads the sizes a user writes in decimal
// units (`--log-opt max-size`, containers.conf's `shm_size`): `10mb` is
// 10,000,000 bytes; an `i` before the `b` changes nothing.

/** The bytes of `text`; throws a RangeError naming it when it is not a size. */
export function fromHumanSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?) ?([kmgtp]?)i?b?$/i.exec(text);
  if (!match) throw new RangeError(`invalid size: ${JSON.stringify(text)}`);
  const power = ' kmgtp'.indexOf(match[2]!.toLowerCase() || ' ');
  return Math.round(Number(match[1]) * 1000 ** power);
}
