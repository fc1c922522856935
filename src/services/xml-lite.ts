/**
 * A small, strict XML reader for the XML-RPC subset (SPEC §8.3). Written here rather than taken
 * from a library on purpose: XML-RPC needs elements, text, the five predefined entities and
 * character references, nothing else, and every extra feature of a general XML parser (DTDs,
 * entity expansion, external entities, namespaces) is attack surface ("billion laughs", XXE).
 * This reader has no such feature to switch off: a DOCTYPE or an unknown entity is an error.
 *
 * Accepted: an optional `<?xml …?>` declaration, elements (attributes read and ignored), text,
 * `&lt; &gt; &amp; &quot; &apos;`, `&#N;` `&#xH;`, comments and CDATA sections. Refused with an
 * XmlError naming the problem (never quoting the input): DOCTYPE/DTD, other processing
 * instructions, unknown entities, mismatched or unclosed tags, nesting deeper than `maxDepth`,
 * more than `maxElements` elements, text outside the root element.
 */
import { XML_MAX_DEPTH, XML_MAX_ELEMENTS } from "./limits.ts";

/** An element: its name, child elements in order, and its text (concatenated, entities resolved). */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

/** A document the reader refuses; the message names the problem. */
export class XmlError extends Error {}

const NAME = /[A-Za-z_:][A-Za-z0-9_:.-]*/y;
const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&([^;&]{0,10});?/g, (m, ref: string) => {
    if (!m.endsWith(";")) throw new XmlError("malformed entity reference");
    if (ref in PREDEFINED) return PREDEFINED[ref]!;
    let code = NaN;
    if (/^#[0-9]+$/.test(ref)) code = Number(ref.slice(1));
    else if (/^#x[0-9A-Fa-f]+$/.test(ref)) code = parseInt(ref.slice(2), 16);
    else throw new XmlError("unknown entity (no DTD, no entity expansion)");
    if (!(code >= 0 && code <= 0x10ffff)) throw new XmlError("character reference out of range");
    return String.fromCodePoint(code);
  });
}

/** Parses `src` into its root element, or throws XmlError. */
export function parseXml(src: string, maxDepth = XML_MAX_DEPTH, maxElements = XML_MAX_ELEMENTS): XmlElement {
  let i = 0;
  const n = src.length;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let elements = 0;

  const skipSpace = () => {
    while (i < n && (src[i] === " " || src[i] === "\t" || src[i] === "\n" || src[i] === "\r")) i++;
  };

  if (src.charCodeAt(0) === 0xfeff) i = 1; // byte order mark
  if (src.startsWith("<?xml", i)) {
    const end = src.indexOf("?>", i);
    if (end < 0) throw new XmlError("unterminated XML declaration");
    i = end + 2;
  }
  while (i < n) {
    const lt = src.indexOf("<", i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) {
      const text = src.slice(i, textEnd);
      if (stack.length > 0) stack[stack.length - 1]!.text += decodeEntities(text);
      else if (text.trim() !== "") throw new XmlError("text outside the root element");
    }
    if (lt < 0) break;
    i = lt;
    if (src.startsWith("<!--", i)) {
      const end = src.indexOf("-->", i + 4);
      if (end < 0) throw new XmlError("unterminated comment");
      i = end + 3;
    } else if (src.startsWith("<![CDATA[", i)) {
      const end = src.indexOf("]]>", i + 9);
      if (end < 0) throw new XmlError("unterminated CDATA section");
      if (stack.length === 0) throw new XmlError("CDATA outside the root element");
      stack[stack.length - 1]!.text += src.slice(i + 9, end);
      i = end + 3;
    } else if (src.startsWith("<!", i)) {
      throw new XmlError("DTDs and entity declarations are not accepted");
    } else if (src.startsWith("<?", i)) {
      throw new XmlError("processing instructions are not accepted");
    } else if (src[i + 1] === "/") {
      i += 2;
      NAME.lastIndex = i;
      const m = NAME.exec(src);
      const open = stack.pop();
      if (!m || !open || m[0] !== open.name) throw new XmlError("mismatched closing tag");
      i += m[0].length;
      skipSpace();
      if (src[i] !== ">") throw new XmlError("malformed closing tag");
      i++;
    } else {
      i++;
      NAME.lastIndex = i;
      const m = NAME.exec(src);
      if (!m) throw new XmlError("malformed tag");
      i += m[0].length;
      // attributes: name="value" or name='value', read and ignored
      for (;;) {
        skipSpace();
        if (src[i] === ">" || src.startsWith("/>", i)) break;
        NAME.lastIndex = i;
        const a = NAME.exec(src);
        if (!a) throw new XmlError("malformed attribute");
        i += a[0].length;
        skipSpace();
        if (src[i] !== "=") throw new XmlError("malformed attribute");
        i++;
        skipSpace();
        const q = src[i];
        if (q !== '"' && q !== "'") throw new XmlError("malformed attribute");
        const end = src.indexOf(q, i + 1);
        if (end < 0 || src.slice(i + 1, end).includes("<")) throw new XmlError("malformed attribute");
        decodeEntities(src.slice(i + 1, end));
        i = end + 1;
      }
      if (++elements > maxElements) throw new XmlError(`more than ${maxElements} elements`);
      const el: XmlElement = { name: m[0], children: [], text: "" };
      if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
      else if (root) throw new XmlError("more than one root element");
      else root = el;
      if (src[i] === "/") i += 2;
      else {
        i++;
        stack.push(el);
        if (stack.length > maxDepth) throw new XmlError(`elements nested deeper than ${maxDepth}`);
      }
    }
  }
  if (stack.length > 0) throw new XmlError("unclosed element");
  if (!root) throw new XmlError("no root element");
  return root;
}
