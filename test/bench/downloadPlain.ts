// The baseline of the download figures: the extension's work done the plain way with Node's defaults. Used by the
// bench's child processes and, in the extension host, by the host suite's download measurement.
import * as fs from 'fs';
import * as http from 'http';
import { Writable } from 'stream';
import { finished } from 'stream/promises';
import * as zlib from 'zlib';

/**
 * `http.get(url)` piped to `out` and, when `check` is set, at the same time through zlib.createGunzip() into a sink
 * that drops the output; resolves with the bytes written once both have ended (the file closed). No atomic placement,
 * no progress, no stall timer, no cancellation: only the work a download with a gzip check must do; and no sync to
 * disk unless `sync` (fsync before the file is closed, as the extension does before it gives the file its name).
 */
export function plainNodeDownload(url: string, out: string, check: boolean, sync = false): Promise<{ bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { 'Accept-Encoding': 'identity' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`HTTP ${res.statusCode} from ${url}`));
        return;
      }
      const file = fs.createWriteStream(out, { flush: sync });
      const done: Promise<unknown>[] = [
        new Promise<void>((ok, fail) => file.on('close', () => ok()).on('error', fail)),
        finished(res),
      ];
      res.pipe(file);
      if (check) {
        const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
        res.pipe(zlib.createGunzip()).pipe(sink);
        done.push(finished(sink));
      }
      Promise.all(done).then(() => resolve({ bytes: file.bytesWritten }), reject);
    });
    req.on('error', reject);
  });
}
