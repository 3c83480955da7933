/**
 * A small, bounded XML reader for imported map files (XCHG8): elements, attributes, text and CDATA — and nothing
 * that can blow up. A document type declaration is refused outright (so no entity can be declared, let alone
 * expanded: "billion laughs" has nothing to work with); only the five predefined entities and character references
 * are decoded; depth, element count and input length are capped; the reader is one linear pass with no recursion.
 * Every failure is an `XmlError` with a message fit for the person who picked the file.
 */

/** An element: its name, attributes, children and its own text (CDATA included, children's text excluded). */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** Bounds of one parse. */
export interface XmlLimits {
  /** Longest input, in UTF-16 code units. */
  maxChars: number;
  /** Deepest nesting of elements. */
  maxDepth: number;
  /** Most elements in one document. */
  maxElements: number;
  /** Most attributes on one element. */
  maxAttributes: number;
}

export const XML_LIMITS: XmlLimits = { maxChars: 32 * 1024 * 1024, maxDepth: 64, maxElements: 1_000_000, maxAttributes: 256 };

export class XmlError extends Error {
  override readonly name = "XmlError";
}

const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const NAME_RE = /^[A-Za-z_:][-A-Za-z0-9_:.]*$/;

function decodeEntities(s: string, at: number): string {
  if (!s.includes("&")) return s;
  return s.replace(/&([^;\s&<]{0,12});?/g, (whole, ref: string) => {
    if (!whole.endsWith(";")) throw new XmlError(`Bad "&" near character ${at}: write &amp;`);
    const named = PREDEFINED[ref];
    if (named !== undefined) return named;
    const m = /^#(x[0-9A-Fa-f]{1,6}|[0-9]{1,7})$/.exec(ref);
    if (!m || m[1] === undefined) throw new XmlError(`Unknown entity &${ref}; near character ${at} (only the predefined XML entities are read)`);
    const code = m[1].startsWith("x") ? parseInt(m[1].slice(1), 16) : parseInt(m[1], 10);
    if (code > 0x10ffff || code === 0 || (code >= 0xd800 && code <= 0xdfff)) throw new XmlError(`Bad character reference &${ref}; near character ${at}`);
    return String.fromCodePoint(code);
  });
}

/** Parse a whole document and return its root element. Throws XmlError on anything malformed or over a limit. */
export function parseXml(src: string, limits: XmlLimits = XML_LIMITS): XmlElement {
  if (src.length > limits.maxChars) throw new XmlError(`The XML is longer than ${limits.maxChars} characters`);
  let i = src.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: Array<{ el: XmlElement; text: string[] }> = [];
  let root: XmlElement | null = null;
  let elements = 0;
  const n = src.length;
  const appendText = (t: string, at: number) => {
    const top = stack.at(-1);
    if (top) top.text.push(t);
    else if (t.trim() !== "") throw new XmlError(`Text outside the root element near character ${at}`);
  };
  while (i < n) {
    const lt = src.indexOf("<", i);
    if (lt < 0) {
      appendText(decodeEntities(src.slice(i), i), i);
      break;
    }
    if (lt > i) appendText(decodeEntities(src.slice(i, lt), i), i);
    if (src.startsWith("<!--", lt)) {
      const end = src.indexOf("-->", lt + 4);
      if (end < 0) throw new XmlError("Unterminated comment");
      i = end + 3;
    } else if (src.startsWith("<![CDATA[", lt)) {
      const end = src.indexOf("]]>", lt + 9);
      if (end < 0) throw new XmlError("Unterminated CDATA section");
      if (stack.length === 0) throw new XmlError("CDATA outside the root element");
      appendText(src.slice(lt + 9, end), lt);
      i = end + 3;
    } else if (src.startsWith("<!", lt)) {
      // <!DOCTYPE …> (and any other declaration): entity declarations live there. Refused, never read.
      throw new XmlError("The file declares a document type (<!DOCTYPE …>); map files never do, and entity declarations are refused");
    } else if (src.startsWith("<?", lt)) {
      const end = src.indexOf("?>", lt + 2);
      if (end < 0) throw new XmlError("Unterminated processing instruction");
      i = end + 2;
    } else if (src.startsWith("</", lt)) {
      const end = src.indexOf(">", lt + 2);
      if (end < 0) throw new XmlError("Unterminated end tag");
      const name = src.slice(lt + 2, end).trim();
      const top = stack.pop();
      if (!top || top.el.name !== name) throw new XmlError(`Mismatched end tag </${name}> near character ${lt}${top ? ` (expected </${top.el.name}>)` : ""}`);
      top.el.text = top.text.join("");
      i = end + 1;
    } else {
      // A start tag: name, attributes (quoted values may hold ">"), then ">" or "/>".
      let j = lt + 1;
      while (j < n && !/[\s/>]/.test(src.charAt(j))) j++;
      const name = src.slice(lt + 1, j);
      if (!NAME_RE.test(name)) throw new XmlError(`Bad element name "${name.slice(0, 40)}" near character ${lt}`);
      const attrs: Record<string, string> = {};
      let count = 0;
      let selfClosing = false;
      for (;;) {
        while (j < n && /\s/.test(src.charAt(j))) j++;
        if (j >= n) throw new XmlError(`Unterminated start tag <${name}>`);
        const c = src.charAt(j);
        if (c === ">") {
          j++;
          break;
        }
        if (c === "/") {
          if (src.charAt(j + 1) !== ">") throw new XmlError(`Bad "/" in <${name}> near character ${j}`);
          selfClosing = true;
          j += 2;
          break;
        }
        const eq = src.indexOf("=", j);
        if (eq < 0) throw new XmlError(`Attribute without a value in <${name}> near character ${j}`);
        const attr = src.slice(j, eq).trim();
        if (!NAME_RE.test(attr)) throw new XmlError(`Bad attribute name in <${name}> near character ${j}`);
        let k = eq + 1;
        while (k < n && /\s/.test(src.charAt(k))) k++;
        const quote = src.charAt(k);
        if (quote !== '"' && quote !== "'") throw new XmlError(`Unquoted attribute ${attr} in <${name}> near character ${k}`);
        const close = src.indexOf(quote, k + 1);
        if (close < 0) throw new XmlError(`Unterminated attribute ${attr} in <${name}>`);
        const raw = src.slice(k + 1, close);
        if (raw.includes("<")) throw new XmlError(`"<" inside attribute ${attr} of <${name}>`);
        if (Object.hasOwn(attrs, attr)) throw new XmlError(`Attribute ${attr} repeated in <${name}>`);
        if (++count > limits.maxAttributes) throw new XmlError(`More than ${limits.maxAttributes} attributes on <${name}>`);
        attrs[attr] = decodeEntities(raw, k);
        j = close + 1;
      }
      if (++elements > limits.maxElements) throw new XmlError(`More than ${limits.maxElements} elements`);
      const el: XmlElement = { name, attrs, children: [], text: "" };
      const parent = stack.at(-1);
      if (parent) parent.el.children.push(el);
      else if (root) throw new XmlError(`A second root element <${name}> near character ${lt}`);
      else root = el;
      if (!selfClosing) {
        if (stack.length >= limits.maxDepth) throw new XmlError(`Elements nested deeper than ${limits.maxDepth}`);
        stack.push({ el, text: [] });
      }
      i = j;
    }
  }
  if (stack.length > 0) throw new XmlError(`Unclosed element <${stack.at(-1)?.el.name ?? "?"}>: the file is cut short`);
  if (!root) throw new XmlError("No root element: this is not an XML document");
  return root;
}

/** The first child element with that name. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

/** Every child element with that name. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** Escape text for an attribute value or element content. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&${({ "<": "lt", ">": "gt", "&": "amp", '"': "quot", "'": "apos" } as Record<string, string>)[c] ?? ""};`);
}
