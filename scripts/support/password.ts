import readline from "node:readline";

/**
 * A password for the operator scripts (create-admin, seed), so that it need not be typed on the command line,
 * where the shell's history and npm's echo of the command keep it: the flag when given (for scripts), else
 * ADMIN_PASSWORD, else asked on the terminal without echo. Undefined when none and no terminal to ask on.
 */
export async function passwordOf(flag: string | undefined, fromEnv: string | undefined, question: string) {
  if (flag) return flag;
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) return undefined;
  const prompt = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  process.stdout.write(question);
  // readline echoes each key through this method: nothing typed is shown.
  (prompt as unknown as { _writeToOutput(text: string): void })._writeToOutput = () => undefined;
  const answer = await new Promise<string>((resolve) => prompt.question("", resolve));
  prompt.close();
  process.stdout.write("\n");
  return answer;
}
