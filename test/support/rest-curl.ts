import { execFile } from "node:child_process";
import fs from "node:fs";
import { promisify } from "node:util";

/**
 * The curl commands of a README excerpt, read as a shell would read them
 * (quotes, backslash-newline continuations, comments), and run with the real
 * curl binary.
 */
export interface CurlCommand {
  /** The command as written, for messages. */
  text: string;
  args: string[];
  method: string;
  url: string;
}

export interface CurlResult {
  status: number;
  body: any;
}

export function readCurlCommands(file: string): CurlCommand[] {
  const markdown = fs.readFileSync(file, "utf8");
  const blocks = [...markdown.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1]);
  return blocks
    .flatMap(shellCommands)
    .filter((command) => command.words[0] === "curl")
    .map(({ words, text }) => {
      const args = words.slice(1);
      const methodAt = args.indexOf("-X");
      return {
        text,
        args,
        method: methodAt >= 0 ? args[methodAt + 1] : "GET",
        url: args.find((arg) => /^https?:\/\//.test(arg))!,
      };
    });
}

/** Splits shell text into commands of words: enough of sh for README examples (no variables, no pipes). */
function shellCommands(script: string): { words: string[]; text: string }[] {
  const commands: { words: string[]; text: string }[] = [];
  let words: string[] = [];
  let word: string | null = null;
  let start = 0;
  const endWord = () => {
    if (word !== null) words.push(word);
    word = null;
  };
  const endCommand = (at: number) => {
    endWord();
    if (words.length) commands.push({ words, text: script.slice(start, at).trim() });
    words = [];
    start = at + 1;
  };
  for (let i = 0; i < script.length; i++) {
    const char = script[i];
    if (char === "\\" && script[i + 1] === "\n") {
      i++;
    } else if (char === "'") {
      const close = script.indexOf("'", i + 1);
      word = (word ?? "") + script.slice(i + 1, close);
      i = close;
    } else if (char === '"') {
      let text = "";
      for (i++; script[i] !== '"'; i++) text += script[i] === "\\" && '"\\$`'.includes(script[i + 1]) ? script[++i] : script[i];
      word = (word ?? "") + text;
    } else if (char === "#" && word === null) {
      while (i + 1 < script.length && script[i + 1] !== "\n") i++;
    } else if (char === "\n" || char === ";") {
      endCommand(i);
    } else if (char === " " || char === "\t") {
      endWord();
    } else {
      word = (word ?? "") + char;
    }
  }
  endCommand(script.length);
  return commands;
}

const run = promisify(execFile);
const STATUS_MARK = "\n__HTTP_STATUS__";

/** Runs the command with its host:port replaced, and reads the status code and JSON body curl got. */
export async function runCurl(command: CurlCommand, replaceHost: (url: string) => string): Promise<CurlResult> {
  const args = command.args.map((arg) => (arg === command.url ? replaceHost(arg) : arg));
  const { stdout } = await run("curl", [...args, "--silent", "--show-error", "--write-out", `${STATUS_MARK}%{http_code}`]);
  const at = stdout.lastIndexOf(STATUS_MARK);
  const text = stdout.slice(0, at);
  return { status: Number(stdout.slice(at + STATUS_MARK.length)), body: text ? JSON.parse(text) : undefined };
}
