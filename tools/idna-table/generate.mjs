// Generates src/Palisade.Core/Idna/IdnaData.g.cs from the npm package `tr46`, which ships the WHATWG
// reference copy of the UTS #46 mapping table (lib/mappingTable.json) and the Unicode property sets UTS #46
// validation needs (lib/regexes.js: combining marks, virama, joining types, bidi classes).
//
// Usage (see tools/idna-table/README.md):   node tools/idna-table/generate.mjs [path/to/tr46/package]
// Without a path it runs `npm pack tr46@$TR46_VERSION` into a temporary folder first.
// The output is deterministic: the same tr46 version gives the same file byte for byte.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const TR46_VERSION = process.env.TR46_VERSION ?? "6.0.0";
const here = dirname(fileURLToPath(import.meta.url));
const outFile = join(here, "..", "..", "src", "Palisade.Core", "Idna", "IdnaData.g.cs");

let pkg = process.argv[2];
if (!pkg) {
  const dir = mkdtempSync(join(tmpdir(), "tr46-"));
  execFileSync("npm", ["pack", `tr46@${TR46_VERSION}`, "--silent"], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
  execFileSync("tar", ["xzf", `tr46-${TR46_VERSION}.tgz`], { cwd: dir });
  pkg = join(dir, "package");
}
if (!existsSync(join(pkg, "lib", "mappingTable.json"))) {
  console.error(`no lib/mappingTable.json under ${pkg}`);
  process.exit(2);
}
const version = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).version;
const table = JSON.parse(readFileSync(join(pkg, "lib", "mappingTable.json"), "utf8"));
const regexes = createRequire(import.meta.url)(join(pkg, "lib", "regexes.js"));

// Status codes as tr46 numbers them; the C# side uses the same numbers (IdnaStatus).
const STATUS = { mapped: 1, valid: 2, disallowed: 3, deviation: 6, ignored: 7 };

// ---- mapping table: [start, status, mapping-offset, mapping-length] per range, adjacent equal ranges merged.
let mappingData = "";
const mappingOffsets = new Map();
function internMapping(s) {
  if (s === undefined || s === "") return [0, 0];
  if (!mappingOffsets.has(s)) {
    let at = mappingData.indexOf(s);
    if (at < 0) { at = mappingData.length; mappingData += s; }
    mappingOffsets.set(s, at);
  }
  return [mappingOffsets.get(s), s.length];
}
const ranges = [];
let expectNext = 0;
for (const entry of table) {
  const [lo, hi] = Array.isArray(entry[0]) ? entry[0] : [entry[0], entry[0]];
  if (lo !== expectNext) throw new Error(`gap in mapping table at ${lo.toString(16)}`);
  expectNext = hi + 1;
  const status = entry[1];
  if (!Object.values(STATUS).includes(status)) throw new Error(`unknown status ${status}`);
  const [off, len] = internMapping(entry[2]);
  if (len > 255) throw new Error("mapping longer than 255 UTF-16 units");
  const prev = ranges[ranges.length - 1];
  if (prev && prev.status === status && prev.off === off && prev.len === len && (len === 0 || status === STATUS.ignored)) {
    continue; // same status, no per-code-point mapping: extend the previous range
  }
  ranges.push({ lo, status, off, len });
}
if (expectNext !== 0x110000) throw new Error("mapping table does not cover all code points");
if (mappingData.length >= 1 << 20) throw new Error("mapping data too long for a 20-bit offset");

// ---- property sets: each character class of the tr46 regexes, evaluated for every code point.
function classes(re) {
  const src = re.source;
  const out = [];
  for (let i = 0; i < src.length; i++) {
    if (src[i] === "\\") { i++; continue; }
    if (src[i] !== "[") continue;
    let j = i + 1;
    for (; src[j] !== "]"; j++) if (src[j] === "\\") j++;
    out.push(new RegExp("^" + src.slice(i, j + 1) + "$", "u"));
    i = j;
  }
  return out;
}
function rangesOf(re) {
  const bounds = [];
  let inside = false;
  for (let cp = 0; cp <= 0x110000; cp++) {
    const member = cp < 0x110000 && re.test(String.fromCodePoint(cp));
    if (member !== inside) { bounds.push(cp); inside = member; }
  }
  return bounds;
}
const zwnj = classes(regexes.validZWNJ);   // [L|D] [T]* ZWNJ [T]* [R|D]
const s3 = classes(regexes.bidiS3);        // [R AL AN EN] [NSM]* $
const s6 = classes(regexes.bidiS6);        // [L EN] [NSM]* $
const sets = {
  CombiningMark: classes(regexes.combiningMarks)[0],
  Virama: classes(regexes.combiningClassVirama)[0],
  JoiningLeftOrDual: zwnj[0],
  JoiningTransparent: zwnj[1],
  JoiningRightOrDual: zwnj[3],
  BidiDomainRtl: classes(regexes.bidiDomain)[0],
  BidiLeftToRight: classes(regexes.bidiS1LTR)[0],
  BidiRightToLeft: classes(regexes.bidiS1RTL)[0],
  BidiRule2Allowed: classes(regexes.bidiS2)[0],
  BidiRule3End: s3[0],
  BidiNonSpacingMark: s3[1],
  BidiEuropeanNumber: classes(regexes.bidiS4EN)[0],
  BidiArabicNumber: classes(regexes.bidiS4AN)[0],
  BidiRule5Allowed: classes(regexes.bidiS5)[0],
  BidiRule6End: s6[0],
};
if (s6[1].source !== s3[1].source) throw new Error("bidi rules 3 and 6 use different NSM sets");
if (zwnj[1].source !== zwnj[2].source) throw new Error("ZWNJ rule uses two transparent sets");

// ---- emit C#
const lines = [];
const wrap = (nums) => {
  const out = [];
  for (let i = 0; i < nums.length; i += 12) out.push("        " + nums.slice(i, i + 12).join(", ") + ",");
  return out;
};
lines.push("// <auto-generated>");
lines.push(`// Generated by tools/idna-table/generate.mjs from the npm package tr46@${version}`);
lines.push("// (the WHATWG reference copy of the Unicode UTS #46 mapping table). Do not edit; run the script.");
lines.push("// </auto-generated>");
lines.push("");
lines.push("namespace Palisade.Core.Idna;");
lines.push("");
lines.push("internal static partial class IdnaData");
lines.push("{");
lines.push(`    /// <summary>The tr46 package version this table was generated from.</summary>`);
lines.push(`    public const string SourceVersion = "tr46@${version}";`);
lines.push("");
lines.push("    /// <summary>First code point of each mapping range, ascending.</summary>");
lines.push("    private static ReadOnlySpan<int> RangeStarts =>");
lines.push("    [");
lines.push(...wrap(ranges.map((r) => "0x" + r.lo.toString(16).toUpperCase())));
lines.push("    ];");
lines.push("");
lines.push("    /// <summary>Per range: status (bits 0-3), mapping length (bits 4-11), mapping offset into <see cref=\"MappingData\"/> (bits 12-31).</summary>");
lines.push("    private static ReadOnlySpan<uint> RangeValues =>");
lines.push("    [");
lines.push(...wrap(ranges.map((r) => "0x" + ((r.status | (r.len << 4) | (r.off << 12)) >>> 0).toString(16).toUpperCase())));
lines.push("    ];");
lines.push("");
lines.push("    /// <summary>All mapping targets, concatenated (UTF-16).</summary>");
lines.push("    private const string MappingData =");
let chunk = "";
const chunks = [];
for (const unit of mappingData.split("").map((c) => c.charCodeAt(0))) {
  chunk += unit >= 0x20 && unit < 0x7F && unit !== 0x22 && unit !== 0x5C ? String.fromCharCode(unit) : "\\u" + unit.toString(16).toUpperCase().padStart(4, "0");
  if (chunk.length >= 96) { chunks.push(chunk); chunk = ""; }
}
if (chunk) chunks.push(chunk);
lines.push(chunks.map((c) => `        "${c}"`).join(" +\n") + ";");
for (const [name, re] of Object.entries(sets)) {
  const bounds = rangesOf(re);
  lines.push("");
  lines.push(`    /// <summary>Property set ${name}: boundaries [start, end) of each range, ascending.</summary>`);
  lines.push(`    private static ReadOnlySpan<int> ${name}Bounds =>`);
  lines.push("    [");
  lines.push(...wrap(bounds.map((b) => "0x" + b.toString(16).toUpperCase())));
  lines.push("    ];");
}
lines.push("}");
lines.push("");
writeFileSync(outFile, lines.join("\n"));
console.log(`wrote ${outFile}: ${ranges.length} ranges, ${mappingData.length} mapping units, ${Object.keys(sets).length} property sets`);
