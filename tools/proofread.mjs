// The 校正 panel's engine (articles/proofreading.py runs it): textlint with the Japanese technical-writing
// preset, JTF's full-width letter and digit rules, and prh with the house-style dictionary from the admin.
// Reads {"text": "...", "dictionary": [{"pattern": "サーバ", "expected": "サーバー"}, ...]} on stdin and
// writes [{"line", "column", "rule", "message", "suggestion"}, ...] on stdout.
import { createRequire } from "node:module";
import { TextlintKernel } from "@textlint/kernel";

const require = createRequire(import.meta.url);
const interop = (module) => (module && module.__esModule ? module.default : module);
const markdown = interop(require("@textlint/textlint-plugin-markdown"));
const technicalWriting = interop(require("textlint-rule-preset-ja-technical-writing"));
const jtf = interop(require("textlint-rule-preset-jtf-style"));
const prh = interop(require("textlint-rule-prh"));

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function prhYaml(dictionary) {
  // JSON is YAML: each string is written as a JSON string, so no quoting rule of YAML can bite.
  const rules = dictionary.map(
    (term) => `  - expected: ${JSON.stringify(term.expected)}\n    pattern: ${JSON.stringify(term.pattern)}`
  );
  return `version: 1\nrules:\n${rules.join("\n")}\n`;
}

function rulesFor(dictionary) {
  const rules = Object.entries(technicalWriting.rules).map(([ruleId, rule]) => ({
    ruleId,
    rule: interop(rule),
    options: technicalWriting.rulesConfig[ruleId] ?? true,
  }));
  for (const ruleId of ["2.1.8.算用数字", "2.1.9.アルファベット"]) {
    rules.push({ ruleId, rule: interop(jtf.rules[ruleId]), options: true });
  }
  if (dictionary.length) {
    rules.push({ ruleId: "prh", rule: prh, options: { ruleContents: [prhYaml(dictionary)] } });
  }
  return rules;
}

const input = JSON.parse(await readStdin());
const result = await new TextlintKernel().lintText(input.text, {
  ext: ".md",
  filePath: "article.md",
  plugins: [{ pluginId: "markdown", plugin: markdown }],
  rules: rulesFor(input.dictionary || []),
});
const findings = result.messages.map((message) => ({
  line: message.line,
  column: message.column,
  rule: message.ruleId,
  message: message.message,
  suggestion: message.fix ? message.fix.text : null,
}));
process.stdout.write(JSON.stringify(findings));
