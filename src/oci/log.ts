// The CRI (k8s-file) log conmon writes: `<RFC 3339 nano time> <stream> <P|F>
// <content>\n` per record; P marks a chunk that did not end a line.

export interface LogRecord {
  /** As written: conmon's local time with a numeric offset. */
  time: string;
  stream: 'stdout' | 'stderr';
  /** The record ended a line (F) rather than a partial chunk (P). */
  full: boolean;
  content: Buffer;
}

/** Splits a log into records; a torn last line (conmon mid-write) is left out. */
export function parseCriLog(data: Buffer): LogRecord[] {
  const records: LogRecord[] = [];
  let start = 0;
  for (;;) {
    const end = data.indexOf(0x0a, start);
    if (end < 0) break;
    const record = parseRecord(data.subarray(start, end));
    if (record) records.push(record);
    start = end + 1;
  }
  return records;
}

function parseRecord(line: Buffer): LogRecord | undefined {
  const s1 = line.indexOf(0x20);
  const s2 = s1 < 0 ? -1 : line.indexOf(0x20, s1 + 1);
  const s3 = s2 < 0 ? -1 : line.indexOf(0x20, s2 + 1);
  if (s2 < 0) return undefined;
  const stream = line.subarray(s1 + 1, s2).toString();
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = line.subarray(s2 + 1, s3 < 0 ? line.length : s3).toString();
  return {
    time: line.subarray(0, s1).toString(),
    stream,
    full: tag.split(':')[0] !== 'P',
    content: s3 < 0 ? Buffer.alloc(0) : line.subarray(s3 + 1),
  };
}

/** The output as the process wrote it, per stream (F records get their newline back). */
export function readCriLog(data: Buffer): { stdout: Buffer; stderr: Buffer } {
  const out: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
  for (const record of parseCriLog(data)) {
    out[record.stream].push(record.content);
    if (record.full) out[record.stream].push(NEWLINE);
  }
  return { stdout: Buffer.concat(out.stdout), stderr: Buffer.concat(out.stderr) };
}

const NEWLINE = Buffer.from('\n');
