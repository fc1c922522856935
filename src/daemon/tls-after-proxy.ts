/**
 * TLS that starts after a PROXY header. A proxy that passes TLS through (nginx `stream` with
 * `proxy_protocol on`, HAProxy `mode tcp` with `send-proxy-v2`) writes its PROXY header in
 * cleartext and then the client's bytes, the ClientHello first (proxy-protocol.txt §2: the header
 * precedes any data of the connection). A `Bun.listen` given `tls` hands every byte to BoringSSL
 * from the first, so the header would fail the handshake. A daemon with both `tls` and
 * `trustProxy` therefore listens in cleartext and starts TLS itself on each accepted socket with
 * Bun's server-side `socket.upgradeTLS` (Bun 1.4.5): at once for a peer that is not a trusted
 * proxy (the only thing it may send is a ClientHello), and for a trusted proxy once its PROXY
 * header is read — or at its first byte when it sends none — handing TLS the bytes that came
 * after the header in the same read (`initialData`: without it a ClientHello that arrived with
 * the header is lost and the handshake stalls).
 *
 * What this costs against the TLS listener (measured with one client on 2 shared cores: about
 * 820 against 870 new connections per second): the context is made from the same options for
 * each upgrade, and SNI is not available (`upgradeTLS` takes one TLS options object): every
 * client gets the default certificate (the daemon says so once at start, see HttpDaemon).
 * `reloadTls()` applies to the next upgrade as to the next handshake.
 */
import type { Socket, SocketHandler, TLSOptions, TLSUpgradeOptions } from "bun";

/**
 * The options of Bun's `socket.upgradeTLS` server-side (Bun 1.4.5; its types know only the
 * client's): `isServer` puts the TLS engine in accept state, `initialData` is fed to it first.
 */
interface ServerUpgradeOptions extends TLSUpgradeOptions<unknown> {
  isServer: true;
  tls: TLSOptions;
  initialData?: Buffer;
}

/**
 * What a cleartext socket carries once TLS runs over it: its own events (Bun still reports the
 * ciphertext, and the close, on it) are the TLS socket's business and are ignored.
 */
export const UNDER_TLS = Object.freeze({ underTls: true });

/** Starts TLS on accepted cleartext sockets (see the file comment). */
export class TlsUpgrader {
  /**
   * `handlers`: the TLS socket's (the daemon's TLS handlers); `options()`: the TLS options in
   * force now (the default certificate, ciphers, ALPN), asked at every upgrade so a reload applies.
   */
  constructor(
    private readonly handlers: SocketHandler<unknown>,
    private readonly options: () => TLSOptions,
  ) {}

  /**
   * Starts TLS on `raw` for `data` (the connection, the TLS socket's `data`), feeding it `initial`
   * (bytes read past a PROXY header; copied, as a read's chunk is valid only during its call).
   * Returns the TLS socket, which the connection writes to and closes from now on.
   */
  upgrade(raw: Socket<unknown>, data: unknown, initial: Uint8Array | null): Socket<unknown> {
    const options: ServerUpgradeOptions = { isServer: true, tls: this.options(), data, socket: this.handlers };
    if (initial !== null && initial.length > 0) options.initialData = Buffer.from(initial);
    const [under, tls] = raw.upgradeTLS(options);
    raw.data = UNDER_TLS;
    under.data = UNDER_TLS;
    return tls;
  }
}
