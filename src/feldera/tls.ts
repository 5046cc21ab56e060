// HTTPS trust for Feldera servers, without vscode: the extra CA files of the `feldera.tls.caCertificates` setting
// (read and checked here), the agent that trusts them on top of Node's default roots, and what a TLS failure means
// for the user. Certificate checks are never switched off: the only way to trust a server is to trust its CA.
import { X509Certificate } from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';

/** The setting (user or remote settings only, never a workspace's) that names extra CA files. */
export const CA_SETTING = 'feldera.tls.caCertificates';

/** A CA bundle larger than this is not a CA file someone meant (the whole Mozilla bundle is ~220 KB). */
const MAX_CA_FILE_BYTES = 4 * 1024 * 1024;
const PEM_CERT = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?\r?\n-----END CERTIFICATE-----/g;

export interface CaFiles {
  /** Every certificate found, PEM, without duplicates. */
  certificates: string[];
  /** Files that gave at least one certificate. */
  files: string[];
  /** One sentence per entry that was left out (or half used), naming the file. */
  problems: string[];
}

/**
 * Reads the setting's value: a list of absolute paths (`~/` is the home folder) to PEM files of CA certificates.
 * A bad entry is left out with a sentence saying why; the others still count.
 */
export function readCaFiles(value: unknown, home = os.homedir(), now = new Date()): CaFiles {
  const out: CaFiles = { certificates: [], files: [], problems: [] };
  if (value === undefined || value === null) return out;
  if (!Array.isArray(value)) {
    out.problems.push(`"${CA_SETTING}" must be a list of file paths; it is ignored.`);
    return out;
  }
  const seen = new Set<string>();
  for (const [i, entry] of value.entries()) {
    if (typeof entry !== 'string' || entry.trim() === '') {
      out.problems.push(`"${CA_SETTING}" item ${i + 1} is not a file path; it is ignored.`);
      continue;
    }
    const raw = entry.trim();
    const file = expandHome(raw, home);
    if (!path.isAbsolute(file)) {
      out.problems.push(`CA file "${raw}" is not an absolute path; it is ignored.`);
      continue;
    }
    const read = readCaFile(file, now);
    if (typeof read === 'string') {
      out.problems.push(`CA file ${file} ${read}; it is ignored.`);
      continue;
    }
    out.problems.push(...read.warnings.map((w) => `CA file ${file}: ${w}.`));
    if (read.certificates.length === 0) continue;
    out.files.push(file);
    for (const pem of read.certificates) {
      if (seen.has(pem)) continue;
      seen.add(pem);
      out.certificates.push(pem);
    }
  }
  return out;
}

/** `~/x` is x in the home folder; anything else is left as it is. */
export function expandHome(file: string, home = os.homedir()): string {
  return file === '~' || file.startsWith('~/') ? path.join(home, file.slice(1)) : file;
}

/** The certificates of one file, or why there are none (a phrase to follow the file name). */
function readCaFile(file: string, now: Date): { certificates: string[]; warnings: string[] } | string {
  let data: Buffer;
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) return 'is a folder, not a file';
    if (stat.size > MAX_CA_FILE_BYTES) return `is larger than ${MAX_CA_FILE_BYTES / 1024 / 1024} MiB: not a CA file`;
    data = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'does not exist';
    if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied)';
    return `cannot be read (${code ?? (err as Error).message})`;
  }
  const text = data.toString('utf8');
  const blocks = text.match(PEM_CERT) ?? [];
  if (blocks.length === 0) {
    if (data[0] === 0x30 && !text.includes('-----BEGIN')) {
      return (
        'is not PEM (it looks like a binary DER certificate: convert it with ' +
        '"openssl x509 -inform der -in <file> -out <file>.pem")'
      );
    }
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return 'holds a private key but no certificate';
    return 'is not a PEM certificate file (no "-----BEGIN CERTIFICATE-----" block)';
  }
  const certificates: string[] = [];
  const warnings: string[] = [];
  for (const [i, pem] of blocks.entries()) {
    const which = blocks.length > 1 ? `certificate ${i + 1}` : 'the certificate';
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch (err) {
      warnings.push(`${which} cannot be read (${(err as Error).message}); it is ignored`);
      continue;
    }
    const validTo = Date.parse(cert.validTo);
    if (!Number.isNaN(validTo) && validTo < now.getTime()) {
      warnings.push(`${which} (${subjectName(cert)}) expired on ${cert.validTo}, so it cannot make a server trusted`);
    }
    certificates.push(pem.replace(/\r\n/g, '\n'));
  }
  return { certificates, warnings };
}

function subjectName(cert: X509Certificate): string {
  return /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? cert.subject.replace(/\n/g, ', ');
}

let cachedAgent: { key: string; agent: https.Agent } | undefined;

/**
 * The agent for https:// servers when extra CAs are configured: Node's default roots plus those, never instead of
 * them. Undefined without extra CAs, so that the default (and VS Code's own certificate handling, e.g. the OS
 * certificates of `http.systemCertificates`) applies. One agent per set of certificates, shared by all clients.
 */
export function httpsAgentFor(extraCas: readonly string[] | undefined): https.Agent | undefined {
  if (!extraCas || extraCas.length === 0) return undefined;
  const key = extraCas.join('\n');
  if (cachedAgent?.key !== key) {
    // The previous agent is not destroyed: downloads in flight keep their connections.
    cachedAgent = { key, agent: new https.Agent({ keepAlive: true, ca: [...tls.rootCertificates, ...extraCas] }) };
  }
  return cachedAgent.agent;
}

export type TlsCause =
  'untrusted' | 'selfSigned' | 'expired' | 'notYetValid' | 'hostname' | 'revoked' | 'notTls' | 'other';

const CAUSES = new Map<string, TlsCause>(
  Object.entries({
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrusted',
    UNABLE_TO_GET_ISSUER_CERT: 'untrusted',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted',
    SELF_SIGNED_CERT_IN_CHAIN: 'untrusted',
    CERT_UNTRUSTED: 'untrusted',
    CERT_CHAIN_TOO_LONG: 'untrusted',
    INVALID_CA: 'untrusted',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'selfSigned',
    CERT_HAS_EXPIRED: 'expired',
    CERT_NOT_YET_VALID: 'notYetValid',
    ERR_TLS_CERT_ALTNAME_INVALID: 'hostname',
    HOSTNAME_MISMATCH: 'hostname',
    CERT_REVOKED: 'revoked',
    ERR_SSL_WRONG_VERSION_NUMBER: 'notTls',
    ERR_SSL_PACKET_LENGTH_TOO_LONG: 'notTls',
  }) as [string, TlsCause][],
);

/** What went wrong when a network error is a TLS failure; undefined for anything else. */
export function tlsCause(code: string | undefined, message = ''): TlsCause | undefined {
  const known = code === undefined ? undefined : CAUSES.get(code);
  if (known) return known;
  if (/wrong version number|packet length too long/i.test(message)) return 'notTls';
  if (code && /^(CERT_|ERR_TLS_|ERR_SSL_)|_CERT$|_CERT_/.test(code)) return 'other';
  return undefined;
}

const INSTALL_CA =
  `add the certificate (PEM file) of the CA that issued it to the "${CA_SETTING}" setting, or install that CA ` +
  'in the system trust store';

/**
 * The sentence for a TLS failure: what is wrong and the fix. `server` is how the server is named in a sentence
 * (`the Feldera server "x"`), `forPipeline` an optional ` for pipeline "p"`.
 */
export function describeTlsFailure(
  cause: TlsCause,
  e: { code?: string; message: string },
  server: string,
  forPipeline = '',
): string {
  const code = e.code ? ` (${e.code})` : '';
  const start = `Could not connect securely to ${server}${forPipeline}`;
  switch (cause) {
    case 'untrusted':
      return (
        `${start}: its TLS certificate is issued by a certificate authority that is not trusted here${code}. ` +
        `If your organisation runs its own CA, ${INSTALL_CA}.`
      );
    case 'selfSigned':
      return (
        `${start}: its TLS certificate is self-signed${code}. Have the server use a certificate from your CA, or ` +
        `add that very certificate (PEM file) to the "${CA_SETTING}" setting to trust it.`
      );
    case 'expired':
      return (
        `${start}: its TLS certificate has expired${code}. The server's administrator must renew it; trusting ` +
        `another CA does not help. (If the date on this computer is wrong, correct it.)`
      );
    case 'notYetValid':
      return `${start}: its TLS certificate is not valid yet${code}. Check the date and time on this computer.`;
    case 'hostname': {
      // Node: "Hostname/IP does not match certificate's altnames: Host: x. is not in the cert's altnames: DNS:y"
      // By IP address, Node lists the certificate's IP addresses only (maybe none).
      const names = /(?:cert's altnames|cert's list): (.*)$/.exec(e.message)?.[1]?.trim();
      const forNames = names ? ` (it is for ${names})` : '';
      return (
        `${start}: its TLS certificate is for another host name${forNames}${code}. Use a host name the ` +
        'certificate names in the server URL, or have the certificate reissued for the name you use.'
      );
    }
    case 'revoked':
      return `${start}: its TLS certificate has been revoked${code}. The server's administrator must replace it.`;
    case 'notTls':
      return (
        `${start}: the server did not answer with TLS${code}. Is it an http:// server (not https://), or is the ` +
        'port wrong?'
      );
    case 'other':
      return `${start}: the TLS handshake failed${code}: ${e.message.replace(/[.\s]+$/, '')}.`;
  }
}

/**
 * The setting that fixes a TLS failure of this kind, for an "Open Settings" button: the CA files for an untrusted or
 * self-signed certificate, the server list (its URL) for a wrong host name or a server that does not speak TLS.
 */
export function settingForTlsCause(cause: TlsCause): string | undefined {
  if (cause === 'untrusted' || cause === 'selfSigned') return CA_SETTING;
  if (cause === 'hostname' || cause === 'notTls') return 'feldera.servers';
  return undefined;
}
