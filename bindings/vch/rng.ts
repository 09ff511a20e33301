/**
 * Seeded randomness of a VCH: ids, names, guest content. Each VCH owns its own generator, so two
 * VCHs in one process never disturb each other and one seed replays the same history.
 */
import { flat } from "./format.js";

/** splitmix64 over BigInt would be slow; two 32-bit xorshift-multiply streams are plenty here. */
export class Rng {
  private a: number;
  private b: number;

  constructor(seed: number) {
    this.a = mix32(seed ^ 0x9e3779b9) || 1;
    this.b = mix32(seed + 0x7f4a7c15) || 2;
  }

  /** Next 32 random bits as an unsigned integer. */
  next32(): number {
    // xorshift128-ish over two words (fast, good enough for names and ids; not for security).
    let t = this.a ^ (this.a << 11);
    this.a = this.b;
    this.b = (this.b ^ (this.b >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return mix32(this.b + 0x6d2b79f5);
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.next32() / 0x1_0000_0000) * n);
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.next32() / 0x1_0000_0000;
  }

  /** `n` random hex digits. */
  hex(n: number): string {
    // Byte by byte through a table: the same digits as `toString(16).padStart(8, "0")`, without
    // a number-to-text conversion per word (two 64-digit ids per container create + start).
    let s = "";
    while (s.length < n) {
      const w = this.next32();
      s += HEX_BYTE[w >>> 24] + HEX_BYTE[(w >>> 16) & 0xff] + HEX_BYTE[(w >>> 8) & 0xff] + HEX_BYTE[w & 0xff];
    }
    return flat(s.length === n ? s : s.slice(0, n));
  }
}

/** A 32-bit avalanche (murmur3's finaliser). */
/** The two hex digits of each byte value. */
const HEX_BYTE: string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A 32-bit FNV-1a hash of a string (stable across runs and runtimes). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h >>> 0);
}

/** 64 hex digits derived from a string: image ids, layer digests (deterministic, looks like sha256). */
export function digestOf(text: string): string {
  let s = "";
  for (let i = 0; s.length < 64; i++) s += hash32(`${i}:${text}`).toString(16).padStart(8, "0");
  return s;
}

/** A 64-bit page token from two 32-bit words; never 0 (token 0 is the zero page). */
export function token(hi: number, lo: number): bigint {
  const t = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  return t === 0n ? 1n : t;
}

/** Which u32 of a u64 holds its low half on this platform (0 on little-endian hosts). */
const LOW_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;

/**
 * Stores `token(hi, lo)` as element `i` of a BigUint64Array seen as `words` (its Uint32Array view):
 * the same value without making a BigInt per page.
 */
export function setToken(words: Uint32Array, i: number, hi: number, lo: number): void {
  if (hi >>> 0 === 0 && lo >>> 0 === 0) lo = 1; // as token(): 0 is the zero page's
  words[2 * i + LOW_WORD] = lo;
  words[2 * i + 1 - LOW_WORD] = hi;
}

// Docker's names-generator (moby/pkg/namesgenerator), a subset: `adjective_scientist`.
const LEFT = [
  "admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome", "beautiful", "blissful",
  "bold", "boring", "brave", "busy", "charming", "clever", "compassionate", "competent", "condescending",
  "confident", "cool", "cranky", "crazy", "dazzling", "determined", "distracted", "dreamy", "eager",
  "ecstatic", "elastic", "elated", "elegant", "eloquent", "epic", "exciting", "fervent", "festive",
  "flamboyant", "focused", "friendly", "frosty", "funny", "gallant", "gifted", "goofy", "gracious", "great",
  "happy", "hardcore", "heuristic", "hopeful", "hungry", "infallible", "inspiring", "intelligent",
  "interesting", "jolly", "jovial", "keen", "kind", "laughing", "loving", "lucid", "magical", "modest",
  "musing", "mystifying", "naughty", "nervous", "nice", "nifty", "nostalgic", "objective", "optimistic",
  "peaceful", "pedantic", "pensive", "practical", "priceless", "quirky", "quizzical", "recursing",
  "relaxed", "reverent", "romantic", "sad", "serene", "sharp", "silly", "sleepy", "stoic", "strange",
  "stupefied", "suspicious", "sweet", "tender", "thirsty", "trusting", "unruffled", "upbeat", "vibrant",
  "vigilant", "vigorous", "wizardly", "wonderful", "xenodochial", "youthful", "zealous", "zen",
];
const RIGHT = [
  "agnesi", "albattani", "allen", "almeida", "archimedes", "ardinghelli", "aryabhata", "austin", "babbage",
  "banach", "bardeen", "bartik", "bassi", "bell", "bhabha", "bhaskara", "black", "blackwell", "bohr",
  "booth", "borg", "bose", "boyd", "brahmagupta", "brattain", "brown", "carson", "cerf", "chandrasekhar",
  "chatelet", "chaum", "clarke", "colden", "cori", "cray", "curie", "darwin", "davinci", "dijkstra",
  "dubinsky", "easley", "edison", "einstein", "elion", "engelbart", "euclid", "euler", "faraday", "feistel",
  "fermat", "fermi", "feynman", "franklin", "galileo", "gates", "goldberg", "goldstine", "goldwasser",
  "golick", "goodall", "hamilton", "hawking", "heisenberg", "hermann", "hodgkin", "hofstadter", "hoover",
  "hopper", "hugle", "hypatia", "jackson", "jang", "jennings", "jepsen", "johnson", "joliot", "jones",
  "kalam", "kapitsa", "kare", "keller", "kepler", "khorana", "kilby", "kirch", "knuth", "kowalevski",
  "lalande", "lamarr", "lamport", "leakey", "leavitt", "lederberg", "lehmann", "lewin", "lichterman",
  "liskov", "lovelace", "lumiere", "mahavira", "margulis", "matsumoto", "maxwell", "mayer", "mccarthy",
  "mcclintock", "mclean", "mcnulty", "meitner", "mendel", "mendeleev", "minsky", "mirzakhani", "moore",
  "morse", "murdock", "napier", "nash", "neumann", "newton", "nightingale", "nobel", "noether", "northcutt",
  "noyce", "panini", "pare", "pascal", "pasteur", "payne", "perlman", "pike", "poincare", "poitras",
  "ptolemy", "raman", "ramanujan", "ride", "ritchie", "roentgen", "rosalind", "saha", "sammet", "shamir",
  "shannon", "shaw", "shirley", "shockley", "sinoussi", "snyder", "spence", "stonebraker", "swanson",
  "swartz", "swirles", "tesla", "thompson", "torvalds", "turing", "varahamihira", "visvesvaraya",
  "volhard", "wescoff", "wiles", "williams", "wilson", "wing", "wozniak", "wright", "yalow", "yonath",
];

/** A Docker-style random name (`focused_turing`); "boring_wozniak" is not generated (Docker's rule). */
export function randomName(rng: Rng, retry: number): string {
  for (;;) {
    let name = `${LEFT[rng.below(LEFT.length)]}_${RIGHT[rng.below(RIGHT.length)]}`;
    if (name === "boring_wozniak") continue;
    if (retry > 0) name += String(rng.below(10));
    return name;
  }
}
