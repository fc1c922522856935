/**
 * Request corpora shared by the parser benchmark and the tests. Each is the exact byte string a
 * well-known client or benchmark sends.
 */

/** The classic 703-byte browser request used by picohttpparser's and llhttp's benchmarks. */
export const BROWSER_REQUEST =
  "GET /wp-content/uploads/2010/03/hello-kitty-darth-vader-pink.jpg HTTP/1.1\r\n" +
  "Host: www.kittyhell.com\r\n" +
  "User-Agent: Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10.6; ja-JP-mac; rv:1.9.2.3) Gecko/20100401 Firefox/3.6.3 Pathtraq/0.9\r\n" +
  "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
  "Accept-Language: ja,en-us;q=0.7,en;q=0.3\r\n" +
  "Accept-Encoding: gzip,deflate\r\n" +
  "Accept-Charset: Shift_JIS,utf-8;q=0.7,*;q=0.7\r\n" +
  "Keep-Alive: 115\r\n" +
  "Connection: keep-alive\r\n" +
  "Cookie: wp_ozh_wsa_visits=2; wp_ozh_wsa_visit_lasttime=xxxxxxxxxx; __utma=xxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.x; __utmz=xxxxxxxxx.xxxxxxxxxx.x.x.utmccn=(referral)|utmcsr=reader.livedoor.com|utmcct=/reader/|utmcmd=referral\r\n" +
  "\r\n";

const chunkedHead =
  "POST /api/v1/events HTTP/1.1\r\n" +
  "Host: collector.example.com\r\n" +
  "User-Agent: curl/8.5.0\r\n" +
  "Accept: application/json\r\n" +
  "Content-Type: application/json\r\n" +
  "Transfer-Encoding: chunked\r\n" +
  "X-Request-Id: ";
const chunk = (data: string) => data.length.toString(16) + "\r\n" + data + "\r\n";
const chunkedBody =
  chunk('{"event":"page_view","path":"/index.html","ts":1700000000123}') +
  chunk('{"event":"click","target":"#buy","ts":1700000000456,"x":12,"y":34}') +
  "0\r\n\r\n";
const padding = 520 - chunkedHead.length - "\r\n\r\n".length - chunkedBody.length;

/** A 520-byte HTTP/1.1 POST with a chunked body of two chunks (head + body = 520 bytes). */
export const CHUNKED_POST = chunkedHead + "7".repeat(padding) + "\r\n\r\n" + chunkedBody;

/** What `ab -k` (ApacheBench 2.3) sends: HTTP/1.0 with Connection: Keep-Alive. */
export const AB_REQUEST =
  "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: 127.0.0.1:8000\r\nUser-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n";

/** What wrk sends by default: the minimal HTTP/1.1 request. */
export const WRK_REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n";

/** Bytes of a latin1 string. */
export function toBytes(s: string): Uint8Array {
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
}
