import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configFormatOf, parseWorkerConfig } from "../src/config/worker-config.ts";
import { QueueValidationError } from "../src/errors.ts";

const JSON_TEXT = JSON.stringify({
  workerId: "w-json",
  strategy: "FIFO",
  concurrency: 4,
  leaseMs: 60000,
  capabilities: { region: "eu", gpu: true },
  taskTypes: ["video", "email"],
  backoff: { baseMs: 1000, factor: 3 },
  crashPolicy: { email: "dead_letter" },
  database: { path: "/tmp/q.db", pragmas: { busy_timeout: 8000 } },
});

const YAML_TEXT = `
workerId: w-yaml
strategy: FIFO
concurrency: 4
leaseMs: 60000
capabilities:
  region: eu
  gpu: true
taskTypes: [video, email]
backoff:
  baseMs: 1000
  factor: 3
crashPolicy:
  email: dead_letter
database:
  path: /tmp/q.db
  pragmas:
    busy_timeout: 8000
`;

const TOML_TEXT = `
workerId = "w-toml"
strategy = "FIFO"
concurrency = 4
leaseMs = 60000
taskTypes = ["video", "email"]

[capabilities]
region = "eu"
gpu = true

[backoff]
baseMs = 1000
factor = 3

[crashPolicy]
email = "dead_letter"

[database]
path = "/tmp/q.db"

[database.pragmas]
busy_timeout = 8000
`;

describe("worker configuration", () => {
  it("reads the same configuration from JSON, YAML and TOML", () => {
    const parsed = [
      parseWorkerConfig(JSON_TEXT, { format: "json", source: "w.json" }),
      parseWorkerConfig(YAML_TEXT, { format: "yaml", source: "w.yaml" }),
      parseWorkerConfig(TOML_TEXT, { format: "toml", source: "w.toml" }),
    ];
    for (const c of parsed) {
      const { workerId, ...rest } = c;
      assert.match(workerId ?? "", /^w-(json|yaml|toml)$/);
      assert.deepEqual(rest, {
        strategy: "FIFO",
        concurrency: 4,
        leaseMs: 60000,
        pollIntervalMs: 1000,
        heartbeatIntervalMs: 10000,
        staleAfterMs: 300000,
        capabilities: { region: "eu", gpu: true },
        taskTypes: ["video", "email"],
        backoff: { baseMs: 1000, factor: 3 },
        crashPolicy: { email: "dead_letter" },
        taskLogs: "failures",
        shutdownTimeoutMs: 30000,
        scheduleIntervalMs: 1000,
        database: { path: "/tmp/q.db", driver: "auto", pragmas: { busy_timeout: 8000 } },
      });
    }
  });

  it("fills defaults for an empty file", () => {
    const c = parseWorkerConfig("", { format: "yaml", source: "empty.yaml" });
    assert.equal(c.strategy, "PRIORITY");
    assert.equal(c.concurrency, 1);
    assert.deepEqual(c.database, { driver: "auto", pragmas: {} });
  });

  it("lets PRISMQ_* environment variables override the file", () => {
    const c = parseWorkerConfig(YAML_TEXT, {
      format: "yaml",
      source: "w.yaml",
      env: {
        PRISMQ_WORKER_ID: "from-env",
        PRISMQ_CONCURRENCY: "8",
        PRISMQ_STRATEGY: "LIFO",
        PRISMQ_CAPABILITIES: '{"region":"us"}',
        PRISMQ_TASK_TYPES: "a, b",
        PRISMQ_BACKOFF_JITTER: "0.25",
        PRISMQ_QUEUE_DB_PATH: "/data/q.db",
        PRISMQ_PRAGMA_SYNCHRONOUS: "FULL",
        PRISMQ_PRAGMA_CACHE_SIZE: "-4000",
        PRISMQ_UNRELATED: "ignored",
      },
    });
    assert.equal(c.workerId, "from-env");
    assert.equal(c.concurrency, 8);
    assert.equal(c.strategy, "LIFO");
    assert.deepEqual(c.capabilities, { region: "us" });
    assert.deepEqual(c.taskTypes, ["a", "b"]);
    assert.deepEqual(c.backoff, { baseMs: 1000, factor: 3, jitter: 0.25 });
    assert.equal(c.database.path, "/data/q.db");
    assert.deepEqual(c.database.pragmas, { busy_timeout: 8000, synchronous: "FULL", cache_size: -4000 });
  });

  it("names the file, the key and what was expected", () => {
    const cases: [string, string, "json" | "yaml" | "toml", RegExp][] = [
      ["bad.yaml", "concurrency: lots", "yaml", /bad\.yaml.*key "concurrency".*expected number, received string/],
      ["bad.toml", 'strategy = "RANDOM"', "toml", /bad\.toml.*key "strategy".*FIFO/],
      ["bad.json", '{"backoff": {"jitter": 3}}', "json", /bad\.json.*key "backoff\.jitter".*<=1/],
      ["bad.json", '{"databse": {}}', "json", /bad\.json.*Unrecognized key.*databse/],
      ["bad.yaml", "crashPolicy: { email: explode }", "yaml", /key "crashPolicy\.email"/],
      ["syntax.json", "{ nope", "json", /syntax\.json: not valid JSON/],
      ["syntax.toml", "a = = 1", "toml", /syntax\.toml: not valid TOML/],
      ["list.yaml", "- 1\n- 2", "yaml", /list\.yaml: expected a table/],
      ["lease.yaml", "leaseMs: 1000\nrenewIntervalMs: 1000", "yaml", /renewIntervalMs.*shorter/],
    ];
    for (const [source, text, format, re] of cases) {
      assert.throws(() => parseWorkerConfig(text, { format, source }), (e: unknown) => e instanceof QueueValidationError && re.test(e.message), `${source}: ${text}`);
    }
    assert.throws(
      () => parseWorkerConfig("{}", { format: "json", source: "w.json", env: { PRISMQ_CONCURRENCY: "many" } }),
      /key "concurrency" \(from PRISMQ_CONCURRENCY\)/,
    );
    assert.throws(() => parseWorkerConfig("{}", { format: "json", source: "w.json", env: { PRISMQ_CAPABILITIES: "{x" } }), /key "capabilities" \(from PRISMQ_CAPABILITIES\): expected JSON/);
  });

  it("picks the format from the extension", () => {
    assert.equal(configFormatOf("a/b/worker.YML"), "yaml");
    assert.equal(configFormatOf("w.toml"), "toml");
    assert.equal(configFormatOf("w.json"), "json");
    assert.throws(() => configFormatOf("w.ini"), QueueValidationError);
  });
});
