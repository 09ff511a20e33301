/** The folder the playground is built into (dist/playground/). */
export declare const outdir: string;
/** Bundles the playground; resolves with the folder to serve. */
export declare function buildPlayground(): Promise<string>;
