/** The wasm core, embedded by the bundler (esbuild's binary loader) as bytes. */
declare module "*.wasm" {
  const bytes: Uint8Array;
  export default bytes;
}
