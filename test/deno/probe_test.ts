import { coreReady } from "vicsim";
Deno.test("probe", () => { if (!coreReady()) throw new Error("x"); console.log(import.meta.resolve("vicsim")); });
