/**
 * The guest as the VCH sees it: the Guest interface (bindings/guests/guest.ts) and the emulated
 * guest (bindings/guests/emulated.ts), re-exported where the VCH and its users import them.
 */
export { EmulatedGuest, parseScript } from "../guests/emulated.js";
export { parseSignal, SIGNALS, type Guest, type GuestContext, type GuestIo, type GuestProcess } from "../guests/guest.js";
