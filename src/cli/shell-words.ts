import { CliError } from './errors.js';

/**
 * Splits a command line into words the way a POSIX shell would quote them, without running a
 * shell: whitespace separates words; '…' is literal; "…" allows \" \\ \$ \`; a backslash outside
 * quotes escapes the next character. For spiffe-helper's `cmd_args` string.
 *
 * @throws {CliError} `usage` for an unterminated quote or a trailing backslash.
 */
export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw unterminated(text);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw unterminated(text);
        const d = text[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) {
          word += text[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 >= text.length)
        throw new CliError('usage', `cmd_args ends with a backslash: ${JSON.stringify(text)}`);
      word += text[i + 1];
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function unterminated(text: string): CliError {
  return new CliError('usage', `cmd_args has an unterminated quote: ${JSON.stringify(text)}`);
}
