// The Virtual Container Host: public types and errors (the class lands beside them in vch.ts).
export * from "./types.js";
export * from "./errors.js";
