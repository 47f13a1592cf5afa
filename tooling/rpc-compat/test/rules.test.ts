// The compatibility gate's rules (src/check.ts), on small contracts shaped like the demo
// services: each rule fires, alone, for the method it is about; the call-site rules stay quiet
// once the offending callers are gone; the safe changes pass and are listed as allowed.
import fs from "node:fs";
import {
  type AnyMethodContract,
  type AnyServiceContract,
  byOrganizationId,
  byOrganizationSlug,
  byRegionName,
  controlMutation,
  controlQuery,
  defineService,
  openApiDocument,
  type Resolver,
  regionMutation,
  regionQuery,
} from "@acme/rpc";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type AllowedChange,
  type CallSite,
  type CompatReport,
  checkCompatibility,
  methodsOf,
  type RuleId,
} from "../src/index.ts";

// ---- Fixtures: a CONTROL user service and a REGION organization service, as in @acme/services.

const id = z.uuid();
const isoDateTime = z.iso.datetime({ offset: true });
const OrganizationStatus = z.enum(["ACTIVE", "PENDING_DELETION", "DELETION_IN_PROGRESS"]);
const User = z.object({ id, email: z.email(), name: z.string(), isActive: z.boolean() });
const OrganizationSummary = z.object({
  id,
  slug: z.string(),
  name: z.string(),
  status: OrganizationStatus,
  createdAt: isoDateTime,
});

const getUser = controlQuery({ input: z.object({ userId: id }), output: User.nullable() });
const getManyByIdsInput = z.object({ userIds: z.array(id).max(100) });
const getManyByIds = (input: z.ZodObject = getManyByIdsInput, output: z.ZodType = z.array(User)) =>
  controlQuery({ input, output });

/** The user service; `getUser` is always there, unchanged, and must never be reported. */
const userService = (
  methods: Record<string, AnyMethodContract> = { getManyByIds: getManyByIds() },
): AnyServiceContract =>
  defineService({ key: "user", localMode: "CONTROL", methods: { getUser, ...methods } });

const createOrganization = (output: z.ZodType = OrganizationSummary) =>
  regionMutation({
    input: z.object({
      regionName: z.string().min(1).max(63),
      slug: z.string(),
      name: z.string().min(1).max(100),
      ownerUserId: id,
    }),
    output,
    resolve: byRegionName("regionName"),
  });
const listMembersInput = z.object({ organizationId: id, slug: z.string() });
const listMembers = (
  resolve: Resolver<z.output<typeof listMembersInput>> = byOrganizationId("organizationId"),
) => regionQuery({ input: listMembersInput, output: z.array(z.object({ userId: id })), resolve });

/** The organization service; `listMembers` is there, unchanged, unless given. */
const organizationService = (
  methods: Record<string, AnyMethodContract> = { createOrganization: createOrganization() },
): AnyServiceContract =>
  defineService({
    key: "organization",
    localMode: "REGION",
    methods: { listMembers: listMembers(), ...methods },
  });

const document = (services: readonly AnyServiceContract[]) => openApiDocument(services);

/** Checks `head` against the deployed `base`, both turned into documents as `rpc:schema` does. */
const compat = (
  base: readonly AnyServiceContract[],
  head: readonly AnyServiceContract[],
  sites: readonly CallSite[] = [],
): CompatReport => checkCompatibility(document(base), document(head), sites);

const site = (
  service: string,
  method: string,
  passes: CallSite["passes"],
  line = 10,
  file = "packages/services/src/organization/impl.ts",
): CallSite => ({ service, method, file, line, passes });

const rulesOf = (report: CompatReport) => report.violations.map((v) => v.rule);

// ---- Every rule: one case each. `Record<RuleId, ...>` makes a new rule without a case a type error.

interface RuleCase {
  readonly base: readonly AnyServiceContract[];
  readonly head: readonly AnyServiceContract[];
  readonly sites: readonly CallSite[];
  readonly service: string;
  readonly method: string;
  /** Part of the message. */
  readonly message: string;
  /** Part of the fix (the staged way). */
  readonly fix: string;
  /** The offending call sites the violation names (none: the rule does not depend on callers). */
  readonly callSites?: readonly CallSite[];
  /** Call-site rules: the same change with only these call sites is safe, and listed as allowed. */
  readonly safe?: { readonly sites: readonly CallSite[]; readonly allowed: AllowedChange };
}

const passesAll = site("user", "getManyByIds", ["includeInactive", "userIds"], 12);
const passesUserIds = site("user", "getManyByIds", ["userIds"], 30, "apps/silo/src/demo.ts");
const passesUnknown = site("user", "getManyByIds", "unknown", 44, "apps/silo/src/main.ts");
const callsGetUser = site("user", "getUser", ["userId"], 34);
/** Passes a value of a type with an optional `includeInactive`. */
const mayPassFlag: CallSite = {
  ...site("user", "getManyByIds", ["userIds"], 58, "apps/admin/src/app/users.ts"),
  mayPass: ["includeInactive"],
};
/** Same method name on another service: not a caller of `user.getManyByIds`. */
const otherService = site("organization", "getManyByIds", "unknown", 50);

const optionalFlag = z.object({
  userIds: z.array(id).max(100),
  includeInactive: z.boolean().optional(),
});
const requiredFlag = z.object({ userIds: z.array(id).max(100), includeInactive: z.boolean() });

/** `userIds` with a refinement: JSON Schema shows none of it. */
const uniqueUserIds = z
  .array(id)
  .max(100)
  .refine((ids) => new Set(ids).size === ids.length, "userIds must not repeat");

const RULES: Record<RuleId, RuleCase> = {
  "removed-method-called": {
    base: [userService()],
    head: [userService({})],
    sites: [callsGetUser, passesUserIds, otherService],
    service: "user",
    method: "getManyByIds",
    message: "user.getManyByIds is removed but still called (1 call site(s))",
    fix: "Remove every call and deploy that first",
    callSites: [passesUserIds],
    safe: {
      sites: [callsGetUser, otherService],
      allowed: { service: "user", method: "getManyByIds", change: "removed (no callers)" },
    },
  },
  "new-method-called": {
    base: [userService()],
    head: [
      userService({
        getManyByIds: getManyByIds(),
        getByEmail: controlQuery({
          input: z.object({ email: z.email() }),
          output: User.nullable(),
        }),
      }),
    ],
    sites: [callsGetUser, site("user", "getByEmail", ["email"], 7, "apps/silo/src/demo.ts")],
    service: "user",
    method: "getByEmail",
    message: "user.getByEmail is new and already called",
    fix: "Ship the method alone and deploy it to every silo; call it in a later change.",
    callSites: [site("user", "getByEmail", ["email"], 7, "apps/silo/src/demo.ts")],
    safe: {
      sites: [callsGetUser],
      allowed: { service: "user", method: "getByEmail", change: "added (no callers yet)" },
    },
  },
  "new-parameter-passed": {
    base: [userService()],
    head: [userService({ getManyByIds: getManyByIds(optionalFlag) })],
    sites: [passesAll, passesUserIds, passesUnknown, callsGetUser, mayPassFlag],
    service: "user",
    method: "getManyByIds",
    message:
      'user.getManyByIds: new parameter "includeInactive" is already passed (2 call site(s)): silos deployed before it drop it',
    fix: 'Ship "includeInactive" alone and deploy it to every silo; pass it in a later change.',
    callSites: [passesAll, mayPassFlag],
    // A call whose arguments the checker cannot read is not counted for a new parameter.
    safe: {
      sites: [passesUserIds, passesUnknown, callsGetUser],
      allowed: {
        service: "user",
        method: "getManyByIds",
        change: 'optional parameter "includeInactive" added',
      },
    },
  },
  "new-required-parameter": {
    base: [userService()],
    head: [userService({ getManyByIds: getManyByIds(requiredFlag) })],
    // Even if every caller in the code passes it: callers deployed before this change do not.
    sites: [passesAll],
    service: "user",
    method: "getManyByIds",
    message: 'user.getManyByIds: new parameter "includeInactive" is required',
    fix: 'Add "includeInactive" as optional (with a default) and deploy',
  },
  "parameter-made-required": {
    base: [userService({ getManyByIds: getManyByIds(optionalFlag) })],
    head: [userService({ getManyByIds: getManyByIds(requiredFlag) })],
    sites: [passesAll, passesUserIds, callsGetUser],
    service: "user",
    method: "getManyByIds",
    message:
      'user.getManyByIds: parameter "includeInactive" became required but 1 call site(s) may not pass it',
    fix: 'Pass "includeInactive" at every call site and deploy that first; then make it required.',
    callSites: [passesUserIds],
    safe: {
      sites: [passesAll, callsGetUser],
      allowed: {
        service: "user",
        method: "getManyByIds",
        change: 'parameter "includeInactive" made required (every caller passes it)',
      },
    },
  },
  "required-parameter-removed": {
    base: [
      userService({
        getManyByIds: getManyByIds(z.object({ userIds: z.array(id), limit: z.number().int() })),
      }),
    ],
    head: [userService({ getManyByIds: getManyByIds(z.object({ userIds: z.array(id) })) })],
    // No caller passes it any more: older silos still require it.
    sites: [passesUserIds],
    service: "user",
    method: "getManyByIds",
    message: 'user.getManyByIds: required parameter "limit" is removed',
    fix: 'Make "limit" optional and deploy; stop passing it and deploy; then remove it.',
  },
  "optional-parameter-removed-while-passed": {
    base: [userService({ getManyByIds: getManyByIds(optionalFlag) })],
    head: [userService()],
    sites: [passesAll, passesUserIds, passesUnknown, callsGetUser],
    service: "user",
    method: "getManyByIds",
    message:
      'user.getManyByIds: parameter "includeInactive" is removed but 2 call site(s) still pass it',
    fix: 'Stop passing "includeInactive" at every call site and deploy; then remove it.',
    // A call whose arguments the checker cannot read may pass it.
    callSites: [passesAll, passesUnknown],
    safe: {
      sites: [passesUserIds, callsGetUser],
      allowed: {
        service: "user",
        method: "getManyByIds",
        change: 'optional parameter "includeInactive" removed (no caller passes it)',
      },
    },
  },
  "parameter-narrowed": {
    base: [userService()],
    head: [userService({ getManyByIds: getManyByIds(z.object({ userIds: z.array(id).max(50) })) })],
    sites: [passesUserIds],
    service: "user",
    method: "getManyByIds",
    message:
      'user.getManyByIds: parameter "userIds" accepts less than before; refused now: userIds may have maxItems 100 (limit now 50)',
    fix: 'Keep "userIds" accepting what it did',
  },
  "output-field-removed": {
    base: [organizationService()],
    head: [
      organizationService({
        createOrganization: createOrganization(OrganizationSummary.omit({ status: true })),
      }),
    ],
    sites: [],
    service: "organization",
    method: "createOrganization",
    message:
      "organization.createOrganization: output fields callers may read can be missing (status may be absent)",
    fix: "Stop reading the field everywhere and deploy",
  },
  "output-type-changed": {
    base: [organizationService()],
    head: [
      organizationService({
        createOrganization: createOrganization(
          OrganizationSummary.extend({ createdAt: z.number().int() }),
        ),
      }),
    ],
    sites: [],
    service: "organization",
    method: "createOrganization",
    message:
      "organization.createOrganization: the value changed in ways callers do not expect (createdAt may be integer (now string))",
    fix: "Add a new field (or method) with the new type, move callers to it",
  },
  "output-became-nullable": {
    base: [organizationService()],
    head: [
      organizationService({
        createOrganization: createOrganization(OrganizationSummary.nullable()),
      }),
    ],
    sites: [],
    service: "organization",
    method: "createOrganization",
    message:
      "organization.createOrganization: the value can now be null where callers expect a value (value may be null)",
    fix: "Keep the output non-null",
  },
  "local-mode-changed": {
    // Only the local mode differs. (A real move also changes the resolvers: see below. The
    // registry would refuse a REGION method without a resolver; the gate reads documents only.)
    base: [
      defineService({
        key: "integration",
        localMode: "CONTROL",
        methods: {
          getIntegration: controlQuery({
            input: z.object({ integrationId: id }),
            output: z.null(),
          }),
        },
      }),
    ],
    head: [
      defineService({
        key: "integration",
        localMode: "REGION",
        methods: {
          getIntegration: controlQuery({
            input: z.object({ integrationId: id }),
            output: z.null(),
          }),
        },
      }),
    ],
    sites: [],
    service: "integration",
    method: "getIntegration",
    message: "integration.getIntegration: the service moved from CONTROL to REGION silos.",
    fix: "Add a new service in the new silo, move the callers to it, then remove the old one.",
  },
  "resolver-changed": {
    base: [organizationService()],
    head: [
      organizationService({
        listMembers: listMembers(byOrganizationSlug("slug")),
        createOrganization: createOrganization(),
      }),
    ],
    sites: [site("organization", "listMembers", ["organizationId", "slug"])],
    service: "organization",
    method: "listMembers",
    message:
      'organization.listMembers: resolver {"kind":"byOrganizationId","param":"organizationId"} became {"kind":"byOrganizationSlug","param":"slug"}',
    fix: "Add a new method with the new resolver, move the callers to it, then remove the old one.",
  },
  "retry-semantics-changed": {
    base: [userService()],
    head: [
      userService({
        getManyByIds: controlMutation({ input: getManyByIdsInput, output: z.array(User) }),
      }),
    ],
    sites: [passesUserIds],
    service: "user",
    method: "getManyByIds",
    message:
      "user.getManyByIds: it was a query and is not any more; callers deployed before still retry it",
    fix: "Keep it safe to repeat, or add a new mutation, move callers to it, then remove the old method.",
  },
  "missing-mapping-behaviour-changed": {
    base: [organizationService()],
    head: [
      organizationService({
        listMembers: regionQuery({
          input: listMembersInput,
          output: z.array(z.object({ userId: id })),
          resolve: byOrganizationId("organizationId"),
          returnNullIfMappingNotFound: true,
        }),
        createOrganization: createOrganization(),
      }),
    ],
    sites: [],
    service: "organization",
    method: "listMembers",
    message:
      "organization.listMembers: for an organization without a mapping, callers deployed before expect a NOT_FOUND error, and would now get null.",
    fix: "Add a new method with the new behaviour, move callers to it, then remove the old one.",
  },
  "refinement-changed": {
    base: [userService()],
    head: [userService({ getManyByIds: getManyByIds(z.object({ userIds: uniqueUserIds })) })],
    sites: [passesUserIds],
    service: "user",
    method: "getManyByIds",
    message:
      "user.getManyByIds: code the gate cannot compare (a refinement or transform) was added or changed. Parameters: userIds is checked by code: refine (other version: none); it may refuse values callers deployed before send.",
    fix: "npm run rpc:compat -- --update --accept refinement-changed:user.getManyByIds",
  },
};

describe.each(Object.entries(RULES))("rule %s", (rule, c) => {
  it("fires alone, for that service and method", () => {
    const report = compat(c.base, c.head, c.sites);
    expect(rulesOf(report)).toEqual([rule]);
    const [violation] = report.violations;
    expect(violation).toMatchObject({ rule, service: c.service, method: c.method });
    expect(violation?.message).toContain(c.message);
    expect(violation?.fix).toContain(c.fix);
    expect(violation?.callSites).toEqual(c.callSites);
  });

  if (c.safe !== undefined) {
    const safe = c.safe;
    it("does not fire once the offending call sites are gone; the change is listed as allowed", () => {
      const report = compat(c.base, c.head, safe.sites);
      expect(report.violations).toEqual([]);
      expect(report.allowed).toContainEqual(safe.allowed);
    });
    it("does not fire with no call sites at all", () => {
      expect(compat(c.base, c.head).violations).toEqual([]);
    });
  }
});

it("docs/evolving-rpc-methods.md lists every rule, in both of its tables, and no other", () => {
  const doc = fs.readFileSync(
    new URL("../../../docs/evolving-rpc-methods.md", import.meta.url),
    "utf8",
  );
  const section = (heading: string) => {
    const start = doc.indexOf(heading);
    expect(start, heading).toBeGreaterThan(-1);
    return doc.slice(start, doc.indexOf("\n## ", start + heading.length));
  };
  const rulesIn = (text: string) =>
    [...text.matchAll(/^\| `([a-z-]+)` +\|/gm)].map((match) => match[1]).sort();
  const rules = Object.keys(RULES).sort();
  expect(rulesIn(section("## 1. "))).toEqual(rules);
  expect(rulesIn(section("## 4. Rule reference"))).toEqual(rules);
});

// ---- Changes that must pass.

describe("accepted changes", () => {
  it("identical contracts: no violations and nothing listed", () => {
    const services = [userService(), organizationService()];
    expect(compat(services, services)).toEqual({ violations: [], allowed: [] });
    expect(compat(services, services, [passesAll, passesUnknown, callsGetUser])).toEqual({
      violations: [],
      allowed: [],
    });
  });

  it("a resolver's kind recorded under its former name (organizationId, before byOrganizationId)", () => {
    const services = [organizationService()];
    const before = JSON.parse(
      JSON.stringify(document(services)).replaceAll(
        '"kind":"byOrganizationId"',
        '"kind":"organizationId"',
      ),
    );
    expect(JSON.stringify(before)).toContain('"kind":"organizationId"');
    expect(checkCompatibility(before, document(services), [])).toEqual({
      violations: [],
      allowed: [
        {
          service: "organization",
          method: "listMembers",
          change:
            'resolver {"kind":"organizationId","param":"organizationId"} renamed {"kind":"byOrganizationId","param":"organizationId"} (the same resolver, so the same routing)',
        },
      ],
    });
    // A former name still names the resolver it was: another one is a change in routing.
    const moved = JSON.parse(
      JSON.stringify(before).replaceAll('"kind":"organizationId"', '"kind":"organizationSlug"'),
    );
    expect(rulesOf(checkCompatibility(moved, document(services), []))).toEqual([
      "resolver-changed",
    ]);
  });

  it("a new optional parameter no call site passes yet (or none the checker can read)", () => {
    for (const sites of [[], [passesUserIds, passesUnknown]]) {
      const report = compat(
        [userService()],
        [userService({ getManyByIds: getManyByIds(optionalFlag) })],
        sites,
      );
      expect(report).toEqual({
        violations: [],
        allowed: [
          {
            service: "user",
            method: "getManyByIds",
            change: 'optional parameter "includeInactive" added',
          },
        ],
      });
    }
  });

  it("a new parameter with a default (optional to callers)", () => {
    const report = compat(
      [userService()],
      [
        userService({
          getManyByIds: getManyByIds(getManyByIdsInput.extend({ limit: z.number().default(10) })),
        }),
      ],
      [passesUserIds],
    );
    expect(report.violations).toEqual([]);
    expect(report.allowed).toEqual([
      { service: "user", method: "getManyByIds", change: 'optional parameter "limit" added' },
    ]);
  });

  it("a new method with no callers yet (other methods' callers do not count)", () => {
    const report = compat(
      [userService()],
      [
        userService({
          getManyByIds: getManyByIds(),
          getByEmail: controlQuery({
            input: z.object({ email: z.email() }),
            output: User.nullable(),
          }),
        }),
      ],
      [callsGetUser, passesUserIds, site("organization", "getByEmail", ["email"])],
    );
    expect(report).toEqual({
      violations: [],
      allowed: [{ service: "user", method: "getByEmail", change: "added (no callers yet)" }],
    });
  });

  it("removing a method nobody calls (while other methods are called)", () => {
    const report = compat([userService()], [userService({})], [callsGetUser]);
    expect(report).toEqual({
      violations: [],
      allowed: [{ service: "user", method: "getManyByIds", change: "removed (no callers)" }],
    });
  });

  it("a new output field", () => {
    const report = compat(
      [organizationService()],
      [
        organizationService({
          createOrganization: createOrganization(
            OrganizationSummary.extend({ memberCount: z.number().int() }),
          ),
        }),
      ],
    );
    expect(report).toEqual({
      violations: [],
      allowed: [
        {
          service: "organization",
          method: "createOrganization",
          change: 'output field "memberCount" added',
        },
      ],
    });
  });

  it("a new output field inside a nullable or array output", () => {
    const withLastLogin = User.extend({ lastLoginAt: isoDateTime });
    const nullable = compat(
      [userService()],
      [
        userService({
          getUser: controlQuery({
            input: z.object({ userId: id }),
            output: withLastLogin.nullable(),
          }),
          getManyByIds: getManyByIds(),
        }),
      ],
    );
    expect(nullable.violations).toEqual([]);
    const array = compat(
      [userService()],
      [userService({ getManyByIds: getManyByIds(getManyByIdsInput, z.array(withLastLogin)) })],
    );
    expect(array.violations).toEqual([]);
  });

  const param = (schema: z.ZodType) =>
    userService({ getManyByIds: getManyByIds(getManyByIdsInput.extend({ filter: schema })) });
  it.each<[string, z.ZodType, z.ZodType]>([
    ["longer max length", z.string().max(10), z.string().max(20)],
    ["a bound removed", z.string().min(3).max(10), z.string()],
    ["lower minimum", z.number().min(1), z.number().min(0)],
    ["an enum value added", z.enum(["ACTIVE", "PENDING_DELETION"]), OrganizationStatus],
    ["integer to number", z.number().int(), z.number()],
    ["a format dropped (uuid to string)", id, z.string()],
    ["made nullable", z.string(), z.string().nullable()],
    ["a union member added", z.string(), z.union([z.string(), z.number()])],
    ["more items allowed", z.array(z.string()).max(10), z.array(z.string()).max(100)],
    ["positive to nonnegative", z.number().positive(), z.number().nonnegative()],
    [
      "a record's values widened",
      z.record(z.string(), z.number().int()),
      z.record(z.string(), z.number()),
    ],
    [
      "an object parameter's field made optional",
      z.object({ status: OrganizationStatus, slug: z.string() }),
      z.object({ status: OrganizationStatus, slug: z.string().optional() }),
    ],
  ])("a widened parameter: %s", (_, before, after) => {
    const report = compat([param(before)], [param(after)], [passesUnknown]);
    expect(report.violations).toEqual([]);
  });

  it("a widened parameter: required made optional", () => {
    const report = compat(
      [userService({ getManyByIds: getManyByIds(requiredFlag) })],
      [userService({ getManyByIds: getManyByIds(optionalFlag) })],
      [passesAll, passesUserIds, passesUnknown],
    );
    expect(report.violations).toEqual([]);
  });
});

// ---- parameter-narrowed: what accepting less means.

describe("parameter-narrowed", () => {
  const withFilter = (schema: z.ZodType) =>
    userService({ getManyByIds: getManyByIds(getManyByIdsInput.extend({ filter: schema })) });
  it.each<[string, z.ZodType, z.ZodType, string]>([
    [
      "an enum value removed",
      OrganizationStatus,
      z.enum(["ACTIVE", "DELETION_IN_PROGRESS"]),
      'filter may be "PENDING_DELETION"',
    ],
    [
      "a stricter max length",
      z.string().max(100),
      z.string().max(50),
      "filter may have maxLength 100 (limit now 50)",
    ],
    [
      "a max length where there was none",
      z.string(),
      z.string().max(50),
      "filter may have maxLength unbounded (limit now 50)",
    ],
    [
      "a stricter minimum",
      z.number().int().min(0),
      z.number().int().min(1),
      "filter may be >= 0 (limit now >= 1)",
    ],
    ["string to number", z.string(), z.number(), "filter may be string (now number)"],
    ["number to integer", z.number(), z.number().int(), "filter may be number (now integer)"],
    ["no longer nullable", z.string().nullable(), z.string(), "filter may be null"],
    ["a format added (string to uuid)", z.string(), id, 'filter format null became "uuid"'],
    [
      "a required field added to an object parameter",
      z.object({ slug: z.string() }),
      z.object({ slug: z.string(), regionName: z.string() }),
      "filter.regionName may be absent",
    ],
    [
      "a union member removed",
      z.union([z.string(), z.number()]),
      z.string(),
      "filter may be number (now string)",
    ],
  ])("%s", (_, before, after, reason) => {
    const report = compat([withFilter(before)], [withFilter(after)], [passesUserIds]);
    expect(rulesOf(report)).toEqual(["parameter-narrowed"]);
    expect(report.violations[0]).toMatchObject({ service: "user", method: "getManyByIds" });
    expect(report.violations[0]?.message).toContain(
      'user.getManyByIds: parameter "filter" accepts less than before; refused now: ',
    );
    expect(report.violations[0]?.message).toContain(reason);
  });

  // JSON Schema the subset check does not look into must not pass as "no change" (it says, at
  // the top of schema-subset.ts: when unsure it says no).
  it.each<[string, z.ZodType, z.ZodType]>([
    [
      "a record's value type changed",
      z.record(z.string(), z.string()),
      z.record(z.string(), z.number()),
    ],
    [
      "a tuple's element type changed",
      z.tuple([z.string(), z.number()]),
      z.tuple([z.number(), z.number()]),
    ],
    [
      "a named schema (.meta({ id }), emitted as $ref) changed",
      z.object({ slug: z.string() }).meta({ id: "CompatFilterBefore" }),
      z.object({ slug: z.number() }).meta({ id: "CompatFilterAfter" }),
    ],
  ])("a type change the subset check must see: %s", (_, before, after) => {
    const report = compat([withFilter(before)], [withFilter(after)]);
    expect(rulesOf(report)).toEqual(["parameter-narrowed"]);
    expect(report.violations[0]?.message).toContain('parameter "filter" accepts less than before');
  });
});

// ---- Named definitions: Zod writes a schema with `.meta({ id })` once, in the input's `$defs`,
// and a `$ref` to it wherever it is used. The deployed document and the code's name it alike.

describe("named definitions ($ref into the input's $defs)", () => {
  const Filter = (slug: z.ZodString) =>
    z.object({ slug, regionName: z.string().optional() }).meta({ id: "CompatFilter" });
  /** getManyByIds with `filter` (and, optionally, `orFilter`: the same definition used twice). */
  const withFilter = (slug: z.ZodString, { twice = false } = {}) => {
    const filter = Filter(slug);
    return userService({
      getManyByIds: getManyByIds(
        getManyByIdsInput.extend({ filter, ...(twice ? { orFilter: filter.optional() } : {}) }),
      ),
    });
  };

  it("an unchanged document passes: the parameter's $ref is resolved in the whole input", () => {
    const services = [withFilter(z.string().max(100), { twice: true })];
    const args = methodsOf(document(services)).get("user.getManyByIds")?.input;
    expect(args?.properties).toMatchObject({ filter: { $ref: "#/$defs/CompatFilter" } });
    expect(compat(services, services, [passesAll])).toEqual({ violations: [], allowed: [] });
  });

  it("a narrowing inside the definition is caught, at its path", () => {
    const report = compat(
      [withFilter(z.string().max(100), { twice: true })],
      [withFilter(z.string().max(50), { twice: true })],
    );
    expect(rulesOf(report)).toEqual(["parameter-narrowed", "parameter-narrowed"]);
    expect(report.violations.map((v) => v.message)).toEqual([
      'user.getManyByIds: parameter "filter" accepts less than before; refused now: filter.slug may have maxLength 100 (limit now 50).',
      'user.getManyByIds: parameter "orFilter" accepts less than before; refused now: orFilter.slug may have maxLength 100 (limit now 50).',
    ]);
  });

  it("a widening inside the definition passes", () => {
    const report = compat([withFilter(z.string().max(50))], [withFilter(z.string().max(100))]);
    expect(report.violations).toEqual([]);
  });

  it("a definition missing from the document is reported, not passed", () => {
    const base = document([withFilter(z.string())]);
    const head = JSON.parse(JSON.stringify(base).replaceAll('"CompatFilter":', '"Renamed":'));
    expect(rulesOf(checkCompatibility(base, head, []))).toEqual(["parameter-narrowed"]);
    expect(checkCompatibility(base, head, []).violations[0]?.message).toContain(
      "filter uses a $ref that cannot be resolved",
    );
  });

  describe("a recursive definition (a tree of its own kind)", () => {
    interface Category {
      name: string;
      children: Category[];
    }
    const tree = (name: z.ZodString): z.ZodType<Category> => {
      const Category: z.ZodType<Category> = z
        .object({
          name,
          get children() {
            return z.array(Category);
          },
        })
        .meta({ id: "CompatCategory" });
      return Category;
    };
    const withTree = (name: z.ZodString) =>
      userService({
        getManyByIds: getManyByIds(getManyByIdsInput.extend({ category: tree(name) })),
      });

    it("unchanged: passes, without comparing forever", () => {
      const services = [withTree(z.string().max(20))];
      expect(JSON.stringify(document(services))).toContain('"$ref":"#/$defs/CompatCategory"');
      expect(compat(services, services).violations).toEqual([]);
    });

    it("narrowed: caught once, where the definition first differs", () => {
      const report = compat([withTree(z.string().max(20))], [withTree(z.string().max(10))]);
      expect(rulesOf(report)).toEqual(["parameter-narrowed"]);
      expect(report.violations[0]?.message).toContain(
        "refused now: category.name may have maxLength 20 (limit now 10).",
      );
    });
  });

  it("an input that is itself a named definition: its parameters are compared", () => {
    const named = (input: z.ZodObject) =>
      userService({ getManyByIds: getManyByIds(input.meta({ id: "CompatGetManyByIds" })) });
    const base = [named(getManyByIdsInput)];
    expect(methodsOf(document(base)).get("user.getManyByIds")?.input).toMatchObject({
      $ref: "#/$defs/CompatGetManyByIds",
    });
    expect(compat(base, base)).toEqual({ violations: [], allowed: [] });
    const report = compat(base, [named(requiredFlag)]);
    expect(rulesOf(report)).toEqual(["new-required-parameter"]);
  });
});

// ---- refinement-changed: code (Zod's refinements and transforms, x-rpc-effects in the document)
// that the gate cannot compare.

describe("refinement-changed", () => {
  const withUserIds = (userIds: z.ZodType) =>
    userService({ getManyByIds: getManyByIds(z.object({ userIds })) });
  const plain = z.array(id).max(100);
  const transformed = plain.transform((ids) => [...new Set(ids)]);

  it.each<[string, z.ZodType, z.ZodType, string]>([
    [
      "a refinement added",
      plain,
      uniqueUserIds,
      "userIds is checked by code: refine (other version: none)",
    ],
    [
      "a second refinement added",
      uniqueUserIds,
      uniqueUserIds.refine((ids) => ids.length > 0),
      "userIds is checked by code: refine + refine (other version: refine)",
    ],
    [
      "a refinement made a transform",
      uniqueUserIds,
      transformed,
      "userIds is checked by code: transform (other version: refine)",
    ],
  ])("%s: flagged, for a person to review", (_, before, after, reason) => {
    const report = compat([withUserIds(before)], [withUserIds(after)], [passesUserIds]);
    expect(rulesOf(report)).toEqual(["refinement-changed"]);
    expect(report.violations[0]?.message).toContain(`Parameters: ${reason}; it may refuse`);
  });

  it.each<[string, z.ZodType, z.ZodType]>([
    ["unchanged", uniqueUserIds, uniqueUserIds],
    ["a refinement removed (the parameter accepts more)", uniqueUserIds, plain],
  ])("%s: passes", (_, before, after) => {
    expect(compat([withUserIds(before)], [withUserIds(after)]).violations).toEqual([]);
  });

  it("on the whole input, and inside a named definition", () => {
    const whole = compat(
      [userService()],
      [userService({ getManyByIds: getManyByIds(getManyByIdsInput.refine(() => true)) })],
    );
    expect(rulesOf(whole)).toEqual(["refinement-changed"]);
    expect(whole.violations[0]?.message).toContain("args is checked by code: refine");
    const named = (slug: z.ZodType) => [
      userService({
        getManyByIds: getManyByIds(
          getManyByIdsInput.extend({
            filter: z.object({ slug }).meta({ id: "CompatRefinedFilter" }),
          }),
        ),
      }),
    ];
    const inDefinition = compat(named(z.string()), named(z.string().refine(Boolean)));
    expect(rulesOf(inDefinition)).toEqual(["refinement-changed"]);
    expect(inDefinition.violations[0]?.message).toContain("filter.slug is checked by code: refine");
  });

  it("on an output: code callers deployed before run, removed or changed, is flagged", () => {
    const withOutput = (output: z.ZodType) =>
      userService({ getManyByIds: getManyByIds(getManyByIdsInput, output) });
    const refined = z.array(User).refine((users) => users.length <= 100);
    const removed = compat([withOutput(refined)], [withOutput(z.array(User))]);
    expect(rulesOf(removed)).toEqual(["refinement-changed"]);
    expect(removed.violations[0]?.message).toContain(
      "Value: value is checked by code: refine (other version: none); callers deployed before check the value with it",
    );
    // A check added to the value: what is returned is only checked more.
    expect(compat([withOutput(z.array(User))], [withOutput(refined)]).violations).toEqual([]);
  });

  it("is a rule of its own beside a narrowing, so accepting one does not accept the other", () => {
    const report = compat([withUserIds(plain)], [withUserIds(uniqueUserIds.max(50))]);
    expect(rulesOf(report)).toEqual(["parameter-narrowed", "refinement-changed"]);
    expect(report.violations[0]?.message).not.toContain("checked by code");
  });
});

// ---- parameter-made-required: which call sites prove they pass it.

describe("parameter-made-required", () => {
  const base = [userService({ getManyByIds: getManyByIds(optionalFlag) })];
  const head = [userService({ getManyByIds: getManyByIds(requiredFlag) })];

  it("is flagged with the one call site that does not pass it", () => {
    const report = compat(base, head, [passesAll, passesUserIds]);
    expect(report.violations).toEqual([
      expect.objectContaining({
        rule: "parameter-made-required",
        service: "user",
        method: "getManyByIds",
        message: expect.stringContaining("1 call site(s) may not pass it"),
        callSites: [passesUserIds],
      }),
    ]);
    expect(report.allowed).toEqual([]);
  });

  it("is allowed when every call site passes it", () => {
    const second = site("user", "getManyByIds", ["includeInactive", "userIds"], 80, "apps/a.ts");
    const report = compat(base, head, [passesAll, second, callsGetUser]);
    expect(report).toEqual({
      violations: [],
      allowed: [
        {
          service: "user",
          method: "getManyByIds",
          change: 'parameter "includeInactive" made required (every caller passes it)',
        },
      ],
    });
  });

  it('counts a call site with passes: "unknown" as not passing it', () => {
    const report = compat(base, head, [passesAll, passesUnknown]);
    expect(rulesOf(report)).toEqual(["parameter-made-required"]);
    expect(report.violations[0]?.callSites).toEqual([passesUnknown]);
  });

  it("ignores call sites of other methods that do not pass it", () => {
    const report = compat(base, head, [passesAll, callsGetUser, otherService]);
    expect(report.violations).toEqual([]);
  });
});

// ---- Outputs: what callers (which validate the value with their own contract) may get.

describe("output changes", () => {
  const withUser = (user: z.ZodType) =>
    userService({
      getUser: controlQuery({ input: z.object({ userId: id }), output: user }),
      getManyByIds: getManyByIds(),
    });
  it.each<[string, z.ZodType, z.ZodType, RuleId, string]>([
    [
      "a field removed",
      User,
      User.omit({ name: true }),
      "output-field-removed",
      "name may be absent",
    ],
    [
      "a field made optional",
      User,
      User.extend({ name: z.string().optional() }),
      "output-field-removed",
      "name may be absent",
    ],
    [
      "a field removed from a nullable output",
      User.nullable(),
      User.omit({ name: true }).nullable(),
      "output-field-removed",
      "name may be absent",
    ],
    [
      "two fields removed from a nullable output",
      User.nullable(),
      User.omit({ name: true, isActive: true }).nullable(),
      "output-field-removed",
      "name may be absent; isActive may be absent",
    ],
    [
      "a field's type changed",
      User,
      User.extend({ isActive: z.string() }),
      "output-type-changed",
      "isActive may be string (now boolean)",
    ],
    [
      "an enum value added (old callers' output validation refuses it)",
      z.object({ status: z.enum(["ACTIVE", "PENDING_DELETION"]) }),
      z.object({ status: OrganizationStatus }),
      "output-type-changed",
      'status may be "DELETION_IN_PROGRESS"',
    ],
    [
      "an object became nullable",
      User,
      User.nullable(),
      "output-became-nullable",
      "value may be null",
    ],
    [
      "a nested field became nullable",
      User,
      User.extend({ name: z.string().nullable() }),
      "output-became-nullable",
      "name may be null",
    ],
    [
      "a nested field of a nullable output became nullable",
      User.nullable(),
      User.extend({ name: z.string().nullable() }).nullable(),
      "output-became-nullable",
      "name may be null",
    ],
  ])("%s", (_, before, after, rule, reason) => {
    const report = compat([withUser(before)], [withUser(after)], [callsGetUser]);
    expect(rulesOf(report)).toEqual([rule]);
    expect(report.violations[0]).toMatchObject({ service: "user", method: "getUser" });
    expect(report.violations[0]?.message).toContain(`user.getUser: `);
    expect(report.violations[0]?.message).toContain(reason);
  });

  it("a field removed from the items of an array output", () => {
    const report = compat(
      [userService()],
      [
        userService({
          getManyByIds: getManyByIds(getManyByIdsInput, z.array(User.omit({ name: true }))),
        }),
      ],
    );
    expect(rulesOf(report)).toEqual(["output-field-removed"]);
    expect(report.violations[0]).toMatchObject({ service: "user", method: "getManyByIds" });
    expect(report.violations[0]?.message).toContain("value[].name may be absent");
  });

  it("a nullable output made non-null is fine (callers handle both)", () => {
    const report = compat([withUser(User.nullable())], [withUser(User)]);
    expect(report.violations).toEqual([]);
  });
});

// ---- Moving a service: a real move changes the local mode and every method's resolver.

describe("moving a service between silos", () => {
  const integrationMethods = (region: boolean) => ({
    getIntegration: region
      ? regionQuery({
          input: z.object({ integrationId: id, organizationId: id }),
          output: z.null(),
          resolve: byOrganizationId("organizationId"),
        })
      : controlQuery({
          input: z.object({ integrationId: id, organizationId: id }),
          output: z.null(),
        }),
  });
  it("reports local-mode-changed and resolver-changed for each method", () => {
    const report = compat(
      [
        defineService({
          key: "integration",
          localMode: "CONTROL",
          methods: integrationMethods(false),
        }),
      ],
      [
        defineService({
          key: "integration",
          localMode: "REGION",
          methods: integrationMethods(true),
        }),
      ],
    );
    expect(report.violations.map((v) => [v.rule, `${v.service}.${v.method}`])).toEqual([
      ["local-mode-changed", "integration.getIntegration"],
      ["resolver-changed", "integration.getIntegration"],
    ]);
    expect(report.violations[1]?.message).toContain(
      'resolver null became {"kind":"byOrganizationId","param":"organizationId"}',
    );
  });

  it("the staged way passes: a new service next to the old one, then the old one removed", () => {
    const old = defineService({
      key: "integration",
      localMode: "CONTROL",
      methods: integrationMethods(false),
    });
    const moved = defineService({
      key: "regionIntegration",
      localMode: "REGION",
      methods: integrationMethods(true),
    });
    const added = compat([old], [old, moved], [site("integration", "getIntegration", "unknown")]);
    expect(added).toEqual({
      violations: [],
      allowed: [
        {
          service: "regionIntegration",
          method: "getIntegration",
          change: "added (no callers yet)",
        },
      ],
    });
    const removed = compat(
      [old, moved],
      [moved],
      [site("regionIntegration", "getIntegration", "unknown")],
    );
    expect(removed).toEqual({
      violations: [],
      allowed: [
        { service: "integration", method: "getIntegration", change: "removed (no callers)" },
      ],
    });
  });
});

describe("a call whose argument's type makes the parameter optional", () => {
  const maybe: CallSite = { ...passesUserIds, passes: ["userIds"], mayPass: ["includeInactive"] };

  it("may pass it: removing the parameter is flagged", () => {
    const report = compat(
      [userService({ getManyByIds: getManyByIds(optionalFlag) })],
      [userService()],
      [maybe],
    );
    expect(rulesOf(report)).toEqual(["optional-parameter-removed-while-passed"]);
    expect(report.violations[0]?.callSites).toEqual([maybe]);
  });

  it("does not prove it passes it: making it required is flagged", () => {
    const report = compat(
      [userService({ getManyByIds: getManyByIds(optionalFlag) })],
      [userService({ getManyByIds: getManyByIds(optionalFlag.required()) })],
      [maybe],
    );
    expect(rulesOf(report)).toEqual(["parameter-made-required"]);
  });
});

// ---- Uses of the client the call-site finder cannot follow (src/call-sites.ts): the client cast
// to any, handed to code it does not scan, a method picked by a computed key. Each is a call site
// marked `unknown`, which may call any method it does not name, passing anything.

describe("a use of the client the finder cannot follow (an unknown call site)", () => {
  const debug = "apps/silo/src/debug.ts";
  const anyService: CallSite = {
    ...site("user", "getManyByIds", "unknown", 7, debug),
    service: null,
    method: null,
    unknown: "client is kept as unknown",
  };
  const anyUserMethod: CallSite = {
    ...site("user", "getManyByIds", "unknown", 9, debug),
    method: null,
    unknown: "client.user[name]: a member chosen at run time",
  };

  it("may call any method it does not name: removing one is flagged, with the use", () => {
    for (const unknownSite of [anyService, anyUserMethod]) {
      const report = compat([userService()], [userService({})], [unknownSite]);
      expect(rulesOf(report)).toEqual(["removed-method-called"]);
      expect(report.violations[0]?.callSites).toEqual([unknownSite]);
    }
  });

  it("names its service when it knows it: another service's methods are not its", () => {
    const report = compat([organizationService()], [organizationService({})], [anyUserMethod]);
    expect(report.violations).toEqual([]);
    expect(report.allowed).toEqual([
      { service: "organization", method: "createOrganization", change: "removed (no callers)" },
    ]);
  });

  it("may pass any parameter: removing an optional one, or making one required, is flagged", () => {
    const removed = compat(
      [userService({ getManyByIds: getManyByIds(optionalFlag) })],
      [userService()],
      [anyUserMethod],
    );
    expect(rulesOf(removed)).toEqual(["optional-parameter-removed-while-passed"]);
    const required = compat(
      [userService({ getManyByIds: getManyByIds(optionalFlag) })],
      [userService({ getManyByIds: getManyByIds(requiredFlag) })],
      [anyService],
    );
    expect(rulesOf(required)).toEqual(["parameter-made-required"]);
  });

  it("is not taken as calling a new method, or passing a new parameter, unless it names them", () => {
    const added = compat(
      [userService()],
      [
        userService({
          getManyByIds: getManyByIds(optionalFlag),
          getByEmail: controlQuery({ input: z.object({ email: z.email() }), output: User }),
        }),
      ],
      [anyService, anyUserMethod],
    );
    expect(added.violations).toEqual([]);
    const taken: CallSite = {
      ...site("user", "getByEmail", "unknown", 11, debug),
      unknown: "client.user.getByEmail.query is taken without being called there",
    };
    const named = compat(
      [userService()],
      [
        userService({
          getManyByIds: getManyByIds(),
          getByEmail: controlQuery({ input: z.object({ email: z.email() }), output: User }),
        }),
      ],
      [taken],
    );
    expect(rulesOf(named)).toEqual(["new-method-called"]);
  });
});

describe("call sites of the deployed code", () => {
  const deployedCaller: CallSite = { ...passesUserIds, deployed: "origin/main" };

  it("a method removed together with its last caller is still called by the deployed code", () => {
    const report = checkCompatibility(
      document([userService()]),
      document([userService({})]),
      [],
      [deployedCaller],
    );
    expect(rulesOf(report)).toEqual(["removed-method-called"]);
    expect(report.violations[0]?.callSites).toEqual([deployedCaller]);
  });

  it("a parameter made required in the change that makes every caller pass it: deployed callers do not", () => {
    const report = checkCompatibility(
      document([userService({ getManyByIds: getManyByIds(optionalFlag) })]),
      document([userService({ getManyByIds: getManyByIds(requiredFlag) })]),
      [passesAll],
      [deployedCaller],
    );
    expect(rulesOf(report)).toEqual(["parameter-made-required"]);
    expect(report.violations[0]?.callSites).toEqual([deployedCaller]);
  });

  it("do not make a new method 'called': only the changed code can call it", () => {
    const report = checkCompatibility(
      document([userService({})]),
      document([userService()]),
      [],
      [deployedCaller],
    );
    expect(report.violations).toEqual([]);
  });
});
