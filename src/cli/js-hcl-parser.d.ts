/** js-hcl-parser ships no types: its one function used here (see ./hcl.ts). */
declare module 'js-hcl-parser' {
  /** hashicorp/hcl v1 `Unmarshal`, printed as indented JSON; or the error message. */
  export function parse(input: string): string;
}
