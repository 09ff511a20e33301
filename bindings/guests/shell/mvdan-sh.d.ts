/** mvdan-sh ships no types: the parser module is described in parse.ts. */
declare module "mvdan-sh" { const mvdan: unknown; export default mvdan; }
