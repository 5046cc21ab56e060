// Certificates made on the fly for the HTTPS tests: a private test CA and server certificates it signs (valid,
// expired, for another host name) plus self-signed ones. Made with Debian's `openssl` at test time, in a temporary
// folder, never committed. Elliptic-curve keys keep it fast (a few ms per certificate).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface TestCertificate {
  /** PEM text of the certificate and of its private key. */
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

export interface IssueOptions {
  /** DNS names and IP addresses the certificate is for (subjectAltName); the first is also the common name. */
  hosts: string[];
  /** Validity; default from a day ago to a day from now. */
  notBefore?: Date;
  notAfter?: Date;
}

export interface TestPki {
  /** The test CA: what a user would put in `feldera.tls.caCertificates`. */
  ca: TestCertificate;
  /** A server certificate signed by the CA. */
  issue(name: string, opts: IssueOptions): TestCertificate;
  /** A server certificate signed by nobody but itself. */
  selfSigned(name: string, hosts: string[]): TestCertificate;
  /** A file that is not a certificate, for the bad-setting tests. */
  writeFile(name: string, text: string): string;
  readonly dir: string;
  dispose(): void;
}

/** Throws a clear error when openssl is missing, rather than skipping the tests that need it. */
export function openssl(args: string[], cwd: string): string {
  try {
    return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('openssl is not installed: run "apt-get install -y openssl"');
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const DAY = 24 * 3600 * 1000;

function asn1Time(d: Date): string {
  // YYYYMMDDHHMMSSZ, what `openssl ca -startdate/-enddate` accepts.
  return d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

function altNames(hosts: string[]): string {
  return hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
}

export function createTestPki(caName = 'Feldera Test Corp Root CA'): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feldera-pki-'));
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  const cert = (base: string): TestCertificate => ({
    cert: read(`${base}.pem`),
    key: read(`${base}.key`),
    certPath: path.join(dir, `${base}.pem`),
    keyPath: path.join(dir, `${base}.key`),
  });

  openssl(
    [
      'req',
      '-x509',
      ...EC,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '3',
      '-subj',
      `/O=Feldera Test Corp/CN=${caName}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  fs.writeFileSync(path.join(dir, 'index.txt'), '');
  fs.writeFileSync(path.join(dir, 'serial'), '1000\n');
  // `openssl ca` rather than `x509 -req`: only it takes explicit start and end dates (for expired certificates).
  fs.writeFileSync(
    path.join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = test_ca',
      '[test_ca]',
      `dir = ${dir}`,
      'database = $dir/index.txt',
      'new_certs_dir = $dir',
      'serial = $dir/serial',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'copy_extensions = none',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  const ca = cert('ca');

  return {
    ca,
    dir,
    issue(name, opts) {
      const now = Date.now();
      const notBefore = opts.notBefore ?? new Date(now - DAY);
      const notAfter = opts.notAfter ?? new Date(now + DAY);
      openssl(
        ['req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${opts.hosts[0]}`],
        dir,
      );
      fs.writeFileSync(
        path.join(dir, `${name}.ext`),
        [
          `subjectAltName = ${altNames(opts.hosts)}`,
          'basicConstraints = CA:FALSE',
          'keyUsage = critical,digitalSignature',
          'extendedKeyUsage = serverAuth',
          '',
        ].join('\n'),
      );
      openssl(
        [
          'ca',
          '-batch',
          '-notext',
          '-config',
          'ca.cnf',
          '-cert',
          'ca.pem',
          '-keyfile',
          'ca.key',
          '-in',
          `${name}.csr`,
          '-out',
          `${name}.pem`,
          '-extfile',
          `${name}.ext`,
          '-startdate',
          asn1Time(notBefore),
          '-enddate',
          asn1Time(notAfter),
        ],
        dir,
      );
      return cert(name);
    },
    selfSigned(name, hosts) {
      openssl(
        [
          'req',
          '-x509',
          ...EC,
          '-keyout',
          `${name}.key`,
          '-out',
          `${name}.pem`,
          '-days',
          '2',
          '-subj',
          `/CN=${hosts[0]}`,
          '-addext',
          `subjectAltName=${altNames(hosts)}`,
        ],
        dir,
      );
      return cert(name);
    },
    writeFile(name, text) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      return file;
    },
    dispose() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
