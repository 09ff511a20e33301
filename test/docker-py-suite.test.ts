// docker-py 7.1.0's own integration suite (vendored in vendor/docker-py, Apache-2.0) run as a
// new user would run it: `vicsim serve` on a free port, DOCKER_HOST pointing at it, upstream's
// DOCKER_TEST_API_VERSION=1.44, Debian's pytest with a per-test limit. Swarm, services, secrets,
// configs, plugins, nodes and credential helpers are left out (a VCH has none of them). The floor is
// the count that passes today; every test still failing is listed in the README with its reason.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";

const CLI = new URL("../dist/cli.js", import.meta.url).pathname;
const SUITE = new URL("../vendor/docker-py/", import.meta.url).pathname;
const PYTHON = "/usr/bin/python3";
/**
 * Every test that passes deterministically (248 of 253, the five left in the README's table): all but
 * test_run_with_auto_remove_error, whose `sleep 2` is 20 ms at --speed 100 and can end, and remove
 * its container, before a loaded client's wait arrives (then docker-py sees 404, not ContainerError).
 * Raise it as causes are fixed. test_exec_run_failed expects the 126 of dockerd before 28.0
 * (moby#45795; docker-py changed it to 127 after 7.1.0, docker-py#3290). The four
 * test_build_in_context_* tests read logs right after `start`; they pass since a command due now
 * runs on an immediate, not after a 1 ms host timeout.
 */
const FLOOR = 247;
/** Tests pytest-timeout stops at 30 s: none since detach keys end attaches. */
const HUNG_CEILING = 0;

const LEFT_OUT_FILES = [
  "api_swarm_test.py",
  "api_service_test.py",
  "api_secret_test.py",
  "api_config_test.py",
  "api_plugin_test.py",
  "models_nodes_test.py",
  "models_services_test.py",
  "models_swarm_test.py",
  "credentials",
];
const LEFT_OUT_NAMES = "not swarm and not service and not secret and not config and not plugin";

if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
if (!existsSync(PYTHON)) throw new Error(`docker-py's suite needs ${PYTHON}: run scripts/tools/docker-py-suite.sh`);

let server: ChildProcess | undefined;
let dockerHost = "";
/**
 * A new user's home, with the ~/.docker/config.json the docker CLI writes on first use: docker-py
 * keeps contexts beside that file (without it, in the working directory), and the context tests
 * must find none of an earlier run.
 */
const home = mkdtempSync(join(tmpdir(), "vicsim-docker-py-home-"));
mkdirSync(join(home, ".docker"));
writeFileSync(join(home, ".docker", "config.json"), "{}\n");

beforeAll(async () => {
  const child = spawn(process.execPath, [CLI, "serve", "--listen", "tcp://127.0.0.1:0", "--speed", "100", "--min-memory", "6m", "--log-level", "error"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  server = child;
  let out = "";
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  dockerHost = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vicsim serve printed no DOCKER_HOST in 20 s:\n${out}\n${err}`)), 20_000);
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /^export DOCKER_HOST=(\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`vicsim serve exited ${code} before listening:\n${out}\n${err}`));
    });
  });
}, 30_000);

afterAll(() => {
  server?.kill("SIGKILL");
  rmSync(home, { recursive: true, force: true });
});

interface Outcome {
  passed: string[];
  failed: string[];
  summary: string;
  output: string;
}

/** Runs the suite with pytest and reads its short summary (-rA): one line per test outcome. */
function runSuite(): Promise<Outcome> {
  const args = [
    "-m", "pytest", "tests/integration",
    "--timeout", "30", "-p", "no:cacheprovider", "-q", "-rA", "--color=no",
    ...LEFT_OUT_FILES.map((f) => `--ignore=tests/integration/${f}`),
    "-k", LEFT_OUT_NAMES,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, {
      cwd: SUITE,
      env: {
        PATH: "/usr/bin:/bin",
        HOME: home,
        PYTHONPATH: SUITE,
        PYTHONDONTWRITEBYTECODE: "1",
        DOCKER_HOST: dockerHost,
        DOCKER_TEST_API_VERSION: "1.44",
        COLUMNS: "400", // the short summary's reasons, not cut at 80 columns
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 1_500_000);
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(timer);
      const outcome = (word: string): string[] =>
        [...output.matchAll(new RegExp(`^${word} (tests/\\S+)`, "gm"))].map((m) => m[1]);
      // A test whose teardown errs did not pass, whatever its body did.
      const errored = new Set(outcome("ERROR"));
      const passed = outcome("PASSED").filter((t) => !errored.has(t));
      const failed = [...new Set([...outcome("FAILED"), ...errored])];
      const summary = /^=* ?(\d+ (?:passed|failed)\b.* in [\d.]+s\b.*?)(?: =+)?$/m.exec(output)?.[1] ?? "(no summary)";
      resolve({ passed, failed, summary, output });
    });
  });
}

test(`docker-py 7.1.0's integration suite: at least ${FLOOR} tests pass, at most ${HUNG_CEILING} hang`, async () => {
  const run = await runSuite();
  // pytest's one-line reason of each failure (-rA), for the README's list of what still fails.
  const reasons = run.output.split("\n").filter((l) => /^(FAILED|ERROR) tests\//.test(l));
  console.log(`docker-py suite: ${run.passed.length} passed (${run.summary})\nstill failing:\n${reasons.join("\n")}`);
  expect(run.summary).not.toBe("(no summary)");
  expect(run.output.match(/^E\s+Failed: Timeout >/gm)?.length ?? 0).toBeLessThanOrEqual(HUNG_CEILING);
  expect(run.passed.length).toBeGreaterThanOrEqual(FLOOR);
}, 1_600_000);
