// Parses every ```mermaid block of the given Markdown (or insta snapshot) files with Mermaid's
// own parser, the one GitHub and GitLab render with, and fails on the first syntax error or
// when no diagram is found at all (a check that sees nothing must not pass).
//
//   node check.mjs FILE...
//
// Mermaid's parser sanitises labels with DOMPurify, which needs a DOM: jsdom provides one, so
// no browser is needed.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

const files = process.argv.slice(2);
let diagrams = 0;
let failures = 0;
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const blocks = text.split("```mermaid\n").slice(1);
  for (const [index, rest] of blocks.entries()) {
    const end = rest.indexOf("\n```");
    if (end < 0) {
      console.error(`${file}: diagram ${index + 1}: the mermaid fence never closes`);
      failures++;
      continue;
    }
    diagrams++;
    try {
      await mermaid.parse(rest.slice(0, end + 1));
    } catch (error) {
      console.error(`${file}: diagram ${index + 1}: ${error.message}`);
      failures++;
    }
  }
}
if (failures > 0) {
  console.error(`${failures} of ${diagrams} Mermaid diagrams do not parse`);
  process.exit(1);
}
if (diagrams === 0) {
  console.error(`no Mermaid diagram found in ${files.length} files`);
  process.exit(1);
}
console.log(`${diagrams} Mermaid diagrams in ${files.length} files parse`);
