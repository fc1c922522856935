/**
 * XML-RPC (http://xmlrpc.com/spec.md) for the RpcGateway and RemoteService (SPEC §8.3, §8.4).
 *
 * Types: int/i4 (and i8, read and written beyond 32 bits, as Python and Apache do), boolean,
 * string (and untyped values), double, dateTime.iso8601 (read with or without dashes, with an
 * optional zone; a value without a zone is taken as UTC; written as `YYYYMMDDTHH:MM:SS`, UTC, whole
 * seconds), base64 ↔ Uint8Array, array, struct, nil (the common extension; `ex:nil` read too).
 * A ServiceFailure becomes a fault `{faultCode: error, faultString: "origin -- description"}`
 * with `\n\n` and the details appended when there are any.
 *
 * The request is read by xml-lite.ts (no DTD, no entities, bounded depth and size). The gateway's
 * codec (what it answers, system.multicall included) is xml-rpc-codec.ts; this file is the
 * encoding both sides share (RemoteService is the client).
 */
import type { RpcAnswer } from "./rpc-codec.ts";
import { INTERNAL_ERROR, ServiceFailure } from "./service-failure.ts";
import { parseXml, type XmlElement } from "./xml-lite.ts";

/** Media type of XML-RPC requests and responses. */
export const XML_MEDIA_TYPE = "text/xml";

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const utf8 = new TextDecoder("utf-8", { fatal: true });
const FAULT_SEPARATOR = " -- ";
const DETAILS_SEPARATOR = "\n\n";

/** A request or response that is well-formed XML but not valid XML-RPC. */
export class XmlRpcError extends Error {}

function escapeText(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** A Date as XML-RPC's `YYYYMMDDTHH:MM:SS` (UTC). */
export function formatDateTime(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

const DATE_TIME = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Reads a dateTime.iso8601 value (no zone: UTC). */
export function parseDateTime(s: string): Date {
  const m = DATE_TIME.exec(s.trim());
  if (!m) throw new XmlRpcError("malformed dateTime.iso8601");
  const zone = !m[8] || m[8] === "Z" ? "Z" : m[8].length === 5 ? `${m[8].slice(0, 3)}:${m[8].slice(3)}` : m[8];
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ""}${zone}`);
  if (Number.isNaN(d.getTime())) throw new XmlRpcError("malformed dateTime.iso8601");
  return d;
}

/** Encodes a value as `<value>…</value>` (throws XmlRpcError for what XML-RPC cannot carry). */
export function encodeValue(v: unknown, out: string[] = []): string[] {
  out.push("<value>");
  if (v === null || v === undefined) out.push("<nil/>");
  else if (typeof v === "boolean") out.push(v ? "<boolean>1</boolean>" : "<boolean>0</boolean>");
  else if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new XmlRpcError("XML-RPC cannot carry NaN or Infinity");
    if (Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX) out.push(`<int>${v}</int>`);
    else if (Number.isSafeInteger(v)) out.push(`<i8>${v}</i8>`);
    else out.push(`<double>${v}</double>`);
  } else if (typeof v === "string") out.push("<string>", escapeText(v), "</string>");
  else if (typeof v === "bigint") out.push(`<i8>${v}</i8>`);
  else if (v instanceof Uint8Array) out.push("<base64>", Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64"), "</base64>");
  else if (v instanceof Date) out.push("<dateTime.iso8601>", formatDateTime(v), "</dateTime.iso8601>");
  else if (Array.isArray(v)) {
    out.push("<array><data>");
    for (const x of v) encodeValue(x, out);
    out.push("</data></array>");
  } else if (typeof v === "object") {
    out.push("<struct>");
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined || typeof x === "function") continue;
      out.push("<member><name>", escapeText(k), "</name>");
      encodeValue(x, out);
      out.push("</member>");
    }
    out.push("</struct>");
  } else throw new XmlRpcError(`XML-RPC cannot carry a ${typeof v}`);
  out.push("</value>");
  return out;
}

function only(el: XmlElement, name: string): XmlElement {
  const c = el.children.find((x) => x.name === name);
  if (!c) throw new XmlRpcError(`<${el.name}> needs a <${name}>`);
  return c;
}

/** Decodes a `<value>` element. */
export function decodeValue(el: XmlElement): unknown {
  if (el.name !== "value") throw new XmlRpcError("expected <value>");
  if (el.children.length === 0) return el.text; // untyped: a string
  if (el.children.length > 1) throw new XmlRpcError("<value> holds more than one type");
  const t = el.children[0]!;
  const text = t.text;
  switch (t.name) {
    case "int":
    case "i4":
    case "i8": {
      if (!/^\s*[+-]?\d{1,19}\s*$/.test(text)) throw new XmlRpcError(`malformed <${t.name}>`);
      const n = Number(text);
      if (t.name !== "i8" ? n < INT32_MIN || n > INT32_MAX : !Number.isSafeInteger(n)) throw new XmlRpcError(`<${t.name}> out of range`);
      return n;
    }
    case "boolean":
      if (text.trim() === "1") return true;
      if (text.trim() === "0") return false;
      throw new XmlRpcError("malformed <boolean>");
    case "string":
      return text;
    case "double": {
      const n = Number(text);
      if (text.trim() === "" || !Number.isFinite(n)) throw new XmlRpcError("malformed <double>");
      return n;
    }
    case "dateTime.iso8601":
      return parseDateTime(text);
    case "base64": {
      const b = text.replace(/\s+/g, "");
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b) || b.length % 4 !== 0) throw new XmlRpcError("malformed <base64>");
      return new Uint8Array(Buffer.from(b, "base64"));
    }
    case "nil":
    case "ex:nil":
      return null;
    case "array":
      return only(t, "data").children.map(decodeValue);
    case "struct": {
      const o: Record<string, unknown> = {};
      for (const m of t.children) {
        if (m.name !== "member") throw new XmlRpcError("<struct> holds only <member>s");
        Object.defineProperty(o, only(m, "name").text, {
          value: decodeValue(only(m, "value")),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return o;
    }
    default:
      throw new XmlRpcError("unknown XML-RPC type");
  }
}

function paramsOf(el: XmlElement | undefined): unknown[] {
  if (!el) return [];
  return el.children.map((p) => {
    if (p.name !== "param") throw new XmlRpcError("<params> holds only <param>s");
    return decodeValue(only(p, "value"));
  });
}

/** Decodes a methodCall: its method name and parameters. */
export function decodeCall(body: Uint8Array): { method: string; params: unknown[] } {
  const root = parseXml(utf8.decode(body));
  if (root.name !== "methodCall") throw new XmlRpcError("the root element is not <methodCall>");
  const method = only(root, "methodName").text.trim();
  if (method === "") throw new XmlRpcError("empty <methodName>");
  return { method, params: paramsOf(root.children.find((c) => c.name === "params")) };
}

/** Encodes a methodCall (the client side). */
export function encodeCall(method: string, params: unknown[]): string {
  const out = ['<?xml version="1.0"?><methodCall><methodName>', escapeText(method), "</methodName><params>"];
  for (const p of params) {
    out.push("<param>");
    encodeValue(p, out);
    out.push("</param>");
  }
  out.push("</params></methodCall>");
  return out.join("");
}

/** Encodes a methodResponse with one value. */
export function encodeResponse(value: unknown): string {
  const out = ['<?xml version="1.0"?><methodResponse><params><param>'];
  encodeValue(value, out);
  out.push("</param></params></methodResponse>");
  return out.join("");
}

/** A failure as a fault struct: `{faultCode: error, faultString: "origin -- description"}` (SPEC §8.3), details after a blank line. */
export function faultStruct(f: ServiceFailure): { faultCode: number; faultString: string } {
  return {
    faultCode: f.error,
    faultString: `${f.origin}${FAULT_SEPARATOR}${f.description}${f.details ? DETAILS_SEPARATOR + f.details : ""}`,
  };
}

/** Encodes a fault for a failure (see faultStruct). */
export function encodeFault(f: ServiceFailure): string {
  return `<?xml version="1.0"?><methodResponse><fault>${encodeValue(faultStruct(f)).join("")}</fault></methodResponse>`;
}

/** Decodes a methodResponse (the client side): its value, or the fault as a ServiceFailure (thrown). */
export function decodeResponse(text: string): unknown {
  const root = parseXml(text);
  if (root.name !== "methodResponse") throw new XmlRpcError("the root element is not <methodResponse>");
  const fault = root.children.find((c) => c.name === "fault");
  if (fault) {
    const f = decodeValue(only(fault, "value")) as { faultCode?: unknown; faultString?: unknown };
    const code = typeof f.faultCode === "number" ? f.faultCode : INTERNAL_ERROR;
    const s = typeof f.faultString === "string" ? f.faultString : "";
    const sep = s.indexOf(FAULT_SEPARATOR);
    const origin = sep < 0 ? "" : s.slice(0, sep);
    const rest = sep < 0 ? s : s.slice(sep + FAULT_SEPARATOR.length);
    const d = rest.indexOf(DETAILS_SEPARATOR);
    throw new ServiceFailure(code, d < 0 ? rest : rest.slice(0, d), origin, d < 0 ? "" : rest.slice(d + DETAILS_SEPARATOR.length));
  }
  const params = paramsOf(only(root, "params"));
  if (params.length !== 1) throw new XmlRpcError("a methodResponse holds exactly one value");
  return params[0];
}

/** What a codec answers for a thrown `e`: a ServiceFailure as it is, anything else an internal error (never its text). */
export function failureOfThrow(e: unknown): ServiceFailure {
  return e instanceof ServiceFailure ? e : new ServiceFailure(INTERNAL_ERROR, "internal error", "netsvc");
}

/** The failure of a result XML-RPC cannot carry (NaN, a function…): says why, from the framework. */
export function unencodableFailure(e: unknown): ServiceFailure {
  return new ServiceFailure(INTERNAL_ERROR, e instanceof XmlRpcError ? e.message : "the result cannot be encoded", "netsvc");
}

/** An XML-RPC answer of the gateway: faults too travel with HTTP 200, as the specification says. */
export function xmlAnswer(body: string): RpcAnswer {
  return { status: 200, contentType: XML_MEDIA_TYPE, body };
}
