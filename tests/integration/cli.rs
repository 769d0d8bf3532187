//! The command line as a user meets it: exit codes and the exact located messages of
//! `validate`, `schema`, usage errors and commands not built yet.

use std::fmt::Write as _;

use crate::support::{Test, repo_root};

/// Runs `validate -f tenants` over the given files and asserts exit 1, that every expected
/// line is printed exactly, and that nothing is written to stdout.
fn assert_invalid(files: &[(&str, &str)], expected: &[&str]) {
    let mut test = Test::new();
    for (name, text) in files {
        test = test.file(&format!("tenants/{name}"), text);
    }
    let out = test.args(&["validate", "-f", "tenants"]).run();
    assert_eq!(out.code, 1, "stderr:\n{}", out.stderr);
    assert_eq!(out.stdout, "");
    let lines: Vec<&str> = out.stderr.lines().collect();
    for line in expected {
        assert!(
            lines.contains(line),
            "missing line:\n{line}\nin stderr:\n{}",
            out.stderr
        );
    }
}

const HEAD: &str = "version: 1\ntenants:\n  - name: Acme\n    domain: acme.example\n";

#[test]
fn examples_validate() {
    let out = Test::new()
        .args(&[
            "validate",
            "-f",
            repo_root().join("examples/tenants").to_str().unwrap(),
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.ends_with("valid: 3 files, 4 tenants\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn unknown_key_suggests_the_closest_field() {
    let file = format!("{HEAD}    groups:\n      - nmae: admins\n");
    assert_invalid(
        &[("a.yaml", &file)],
        &[
            "error: tenants/a.yaml:6:9: tenants[0].groups[0]: unknown field \"nmae\"; did you mean \"name\"? (expected one of name, peers)",
            "error: tenants/a.yaml:6:9: tenants[0].groups[0]: missing field \"name\" (expected a \"name\" field)",
        ],
    );
}

#[test]
fn unknown_top_level_key() {
    assert_invalid(
        &[("a.yaml", "version: 1\ntenant: []\n")],
        &[
            "error: tenants/a.yaml:2:1: unknown field \"tenant\"; did you mean \"tenants\"? (expected one of baselines, tenants, version)",
        ],
    );
}

#[test]
fn wrong_types_name_what_was_found() {
    let file = format!(
        "{HEAD}    create: yes please\n    groups:\n      - name: 42\n    setup_keys: {{}}\n"
    );
    assert_invalid(
        &[("a.yaml", &file)],
        &[
            "error: tenants/a.yaml:5:13: tenants[0].create: found a string (expected true or false)",
            "error: tenants/a.yaml:7:15: tenants[0].groups[0].name: found an integer; quote it to make it a string (expected a string)",
            "error: tenants/a.yaml:8:17: tenants[0].setup_keys: found a mapping (expected a list)",
        ],
    );
}

#[test]
fn duplicate_tenant_across_files_names_both_places() {
    assert_invalid(
        &[
            ("a.yaml", HEAD),
            (
                "b.yaml",
                "version: 1\ntenants:\n  - name: Acme\n    id: abc\n",
            ),
        ],
        &[
            "error: tenants/b.yaml:3:11: tenants[0].name: duplicate tenant \"Acme\" (expected each tenant defined once across all files)",
            "  tenants/a.yaml:3:11: note: first defined here",
        ],
    );
}

#[test]
fn duplicate_tenant_domain_across_files() {
    assert_invalid(
        &[
            ("a.yaml", HEAD),
            (
                "b.yaml",
                "version: 1\ntenants:\n  - name: Acme Two\n    domain: ACME.example\n",
            ),
        ],
        &[
            "error: tenants/b.yaml:4:13: tenants[0].domain: duplicate tenant domain \"ACME.example\" (expected each tenant domain defined once across all files)",
            "  tenants/a.yaml:4:13: note: first defined here",
        ],
    );
}

#[test]
fn duplicate_baseline_across_files_names_both_places() {
    let base = "version: 1\nbaselines:\n  standard:\n    groups: [{name: admins}]\n";
    assert_invalid(
        &[("a.yaml", base), ("b.yaml", base)],
        &[
            "error: tenants/b.yaml:3:3: baselines: duplicate baseline \"standard\" (expected each baseline defined once across all files)",
            "  tenants/a.yaml:3:3: note: first defined here",
        ],
    );
}

#[test]
fn duplicate_names_in_a_tenant_after_baseline_merge() {
    let base = "version: 1\nbaselines:\n  standard:\n    networks:\n      - name: hq\n        resources: [{name: lan, address: 10.0.0.0/24}]\n";
    let file = format!(
        "{HEAD}    baselines: [standard]\n    setup_keys:\n      - {{name: k, type: reusable}}\n      - {{name: k, type: one-off}}\n    networks:\n      - name: branch\n        resources: [{{name: lan, address: 10.1.0.0/24}}]\n"
    );
    assert_invalid(
        &[("a.yaml", &file), ("base.yaml", base)],
        &[
            "error: tenants/a.yaml:8:16: tenants[0].setup_keys[1]: duplicate setup key \"k\" in tenant \"Acme\" (expected each setup key listed once)",
            "  tenants/a.yaml:7:16: note: first defined here",
            "error: tenants/base.yaml:6:28: baselines.standard.networks[0].resources[0].name: duplicate network resource \"lan\" in tenant \"Acme\" (expected resource names unique across all networks of a tenant)",
            "  tenants/a.yaml:11:28: note: first defined here",
        ],
    );
}

#[test]
fn tenant_entries_replace_baseline_entries_of_the_same_name() {
    let base = "version: 1\nbaselines:\n  standard:\n    setup_keys: [{name: k, type: one-off, usage_limit: 1}]\n";
    let file = format!(
        "{HEAD}    baselines: [standard]\n    setup_keys: [{{name: k, type: reusable, usage_limit: 5}}]\n"
    );
    let out = Test::new()
        .file("tenants/a.yaml", &file)
        .file("tenants/base.yaml", base)
        .args(&["validate", "-f", "tenants"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The tenant's own entry won, whole: the reusable key of 5 uses, not the baseline's.
    let loaded = birdhouse::desired::load_contents([
        (
            std::path::PathBuf::from("tenants/a.yaml"),
            file.clone().into_bytes(),
        ),
        (
            std::path::PathBuf::from("tenants/base.yaml"),
            base.as_bytes().to_vec(),
        ),
    ]);
    let state = loaded.state.unwrap_or_else(|d| panic!("{:?}", d.sorted()));
    let key = &state.tenants[0].objects.setup_keys["k"];
    assert_eq!(key.key_type, birdhouse::kinds::SetupKeyType::Reusable);
    assert_eq!(key.usage_limit, Some(5));
}

#[test]
fn unknown_group_network_resource_and_baseline_references() {
    let file = format!(
        "{HEAD}    baselines: [standrd]\n    groups: [{{name: developers}}]\n    networks:\n      - name: office\n        resources: [{{name: lan, address: 10.0.0.0/24, groups: [developer]}}]\n    policies:\n      - name: p\n        rules:\n          - {{protocol: all, sources: [developers], destination_resource: {{network: ofice, resource: lan}}}}\n      - name: q\n        rules:\n          - {{protocol: all, sources: [developers], destination_resource: {{network: office, resource: wan}}}}\n"
    );
    assert_invalid(
        &[("a.yaml", &file)],
        &[
            "error: tenants/a.yaml:5:17: tenants[0].baselines[0]: unknown baseline \"standrd\" (expected a baseline defined under `baselines:` in any file)",
            "error: tenants/a.yaml:9:64: tenants[0].networks[0].resources[0].groups[0]: unknown group \"developer\" in tenant \"Acme\"; did you mean \"developers\"? (expected a group listed under `groups` in this tenant or its baselines)",
            "error: tenants/a.yaml:13:84: tenants[0].policies[0].rules[0].destination_resource.network: unknown network \"ofice\" in tenant \"Acme\"; did you mean \"office\"? (expected a network defined in this tenant or its baselines)",
            "error: tenants/a.yaml:16:102: tenants[0].policies[1].rules[0].destination_resource.resource: unknown resource \"wan\" in network \"office\" (expected a resource of that network)",
        ],
    );
}

#[test]
fn a_baseline_may_not_reference_a_group_no_merged_source_defines() {
    let base = "version: 1\nbaselines:\n  standard:\n    policies:\n      - name: p\n        rules: [{protocol: all, sources: [admins], destinations: [admins]}]\n";
    let file = format!("{HEAD}    baselines: [standard]\n");
    assert_invalid(
        &[("a.yaml", &file), ("base.yaml", base)],
        &[
            "error: tenants/base.yaml:6:43: baselines.standard.policies[0].rules[0].sources[0]: unknown group \"admins\" in tenant \"Acme\" (expected a group listed under `groups` in this tenant or its baselines)",
        ],
    );
}

#[test]
fn invalid_addresses() {
    let file = format!(
        "{HEAD}    networks:\n      - name: n\n        resources:\n          - {{name: a, address: 10.0.0.0/33}}\n          - {{name: b, address: bad_host}}\n          - {{name: c, address: 300.1.1.1}}\n"
    );
    assert_invalid(
        &[("a.yaml", &file)],
        &[
            "error: tenants/a.yaml:8:32: tenants[0].networks[0].resources[0].address: \"10.0.0.0/33\" is not an IP address, a CIDR prefix or a domain name (expected an IP address, a CIDR prefix or a domain name)",
            "error: tenants/a.yaml:9:32: tenants[0].networks[0].resources[1].address: \"bad_host\" is not an IP address, a CIDR prefix or a domain name (expected an IP address, a CIDR prefix or a domain name)",
            "error: tenants/a.yaml:10:32: tenants[0].networks[0].resources[2].address: \"300.1.1.1\" is not an IP address, a CIDR prefix or a domain name (expected an IP address, a CIDR prefix or a domain name)",
        ],
    );
}

#[test]
fn bad_ports_and_ranges() {
    let file = format!(
        "{HEAD}    groups: [{{name: g}}]\n    policies:\n      - name: p\n        rules:\n          - {{protocol: tcp, ports: [0, 70000, \"90-80\", ssh], sources: [g], destinations: [g]}}\n      - name: q\n        rules:\n          - {{protocol: icmp, ports: [22], sources: [g], destinations: [g]}}\n"
    );
    assert_invalid(
        &[("a.yaml", &file)],
        &[
            "error: tenants/a.yaml:9:37: tenants[0].policies[0].rules[0].ports[0]: \"0\" is out of range (expected a port from 1 to 65535 or a range such as 8000-8100)",
            "error: tenants/a.yaml:9:40: tenants[0].policies[0].rules[0].ports[1]: \"70000\" is out of range (expected a port from 1 to 65535 or a range such as 8000-8100)",
            "error: tenants/a.yaml:9:47: tenants[0].policies[0].rules[0].ports[2]: \"90-80\" is out of range (expected a port from 1 to 65535 or a range such as 8000-8100)",
            "error: tenants/a.yaml:9:56: tenants[0].policies[0].rules[0].ports[3]: \"ssh\" is not a port or a port range (expected a port from 1 to 65535 or a range such as 8000-8100)",
            "error: tenants/a.yaml:12:13: tenants[0].policies[1].rules[0].ports: ports are not allowed with protocol all or icmp (expected no ports and no port_ranges with protocol all or icmp)",
        ],
    );
}

#[test]
fn token_lifetimes_and_rotation_windows_are_checked() {
    let file = format!(
        "{HEAD}    users:
      - {{service: a, token: {{name: t, expires_in: 36h}}}}
      - {{service: b, token: {{name: t, expires_in: 30d, rotate_before: 30d}}}}
      - {{service: c, token: {{name: t, expires_in: 30d, expires_in_days: 30}}}}
      - {{service: d, token: {{name: t, rotate_before: 7d}}}}
"
    );
    assert_invalid(
        &[("a.yaml", &file)],
        &[
            "error: tenants/a.yaml:6:51: tenants[0].users[0].token.expires_in: 36h is not allowed (expected whole days from 1d to 365d)",
            "error: tenants/a.yaml:7:29: tenants[0].users[1].token.rotate_before: 30d is not shorter than the token's lifetime (expected a window shorter than expires_in (else every plan makes a new token))",
            "error: tenants/a.yaml:8:29: tenants[0].users[2].token: a token has both `expires_in` and `expires_in_days` (expected exactly one of them)",
            "error: tenants/a.yaml:9:29: tenants[0].users[3].token: a token needs `expires_in` or `expires_in_days` (expected exactly one of them)",
        ],
    );
}

#[test]
fn msp_access_is_refused_on_the_own_account_and_twice_for_one_group() {
    let file = "version: 1
tenants:
  - name: Acme
    domain: acme.example
    msp_access:
      - {group: support, role: admin}
      - {group: support, role: auditor}
      - {group: billing, role: boss}
  - name: Own
    self: true
    msp_access: [{group: support, role: admin}]
";
    assert_invalid(
        &[("a.yaml", file)],
        &[
            "error: tenants/a.yaml:7:17: tenants[0].msp_access[1].group: group \"support\" is listed twice (expected each MSP group once, with one role)",
            "  tenants/a.yaml:6:17: note: first listed here",
            "error: tenants/a.yaml:8:32: tenants[0].msp_access[2].role: unknown role \"boss\" (expected one of owner, admin, user, network_admin, billing_admin, auditor)",
            "error: tenants/a.yaml:11:26: tenants[1].msp_access: msp_access on the token's own account (expected msp_access only on MSP tenants (the own account has no MSP record))",
        ],
    );
}

#[test]
fn the_full_rule_is_refused_where_netbird_would_refuse_it() {
    let file = format!(
        "{HEAD}    groups: [{{name: devs}}, {{name: ops}}]
    networks:
      - name: lan
        resources: [{{name: nas, address: 10.0.0.5}}]
    policies:
      - name: ssh
        rules:
          - protocol: netbird-ssh
            sources: [devs, ops]
            destinations: [devs]
            authorized_groups: {{devs: [root], opss: []}}
      - name: wrong-protocol
        rules:
          - protocol: tcp
            port_ranges: [{{start: 9000, end: 8000}}, {{start: 0, end: 10}}]
            sources: [devs]
            destinations: [devs]
            authorized_groups: {{devs: []}}
      - name: two-sources
        rules:
          - protocol: all
            port_ranges: [{{start: 80, end: 90}}]
            sources: [devs]
            source_resource: {{peer: gw-1}}
            destination_resource: {{network: lan, resource: nsa}}
      - name: half-a-resource
        rules:
          - protocol: tcp
            source_resource: {{network: lan}}
            destination_resource: {{peer: gw-1, network: lan, resource: nas}}
"
    );
    assert_invalid(
        &[("a.yaml", &file)],
        &[
            "error: tenants/a.yaml:13:29: tenants[0].policies[0].rules[0].sources[1]: source group \"ops\" has no entry in authorized_groups (expected an authorized_groups entry for every source group (NetBird refuses the rule otherwise; `[]` allows any local user))",
            "error: tenants/a.yaml:15:47: tenants[0].policies[0].rules[0].authorized_groups.opss: unknown group \"opss\" in tenant \"Acme\"; did you mean \"ops\"? (expected a group listed under `groups` in this tenant or its baselines)",
            "error: tenants/a.yaml:19:27: tenants[0].policies[1].rules[0].port_ranges[0]: the range 9000-8000 ends before it starts (expected end at least start)",
            "error: tenants/a.yaml:19:61: tenants[0].policies[1].rules[0].port_ranges[1].start: 0 is out of range (expected an integer from 1 to 65535)",
            "error: tenants/a.yaml:22:33: tenants[0].policies[1].rules[0].authorized_groups: authorized groups with protocol tcp (expected authorized_groups only with protocol netbird-ssh)",
            "error: tenants/a.yaml:25:13: tenants[0].policies[2].rules[0]: a rule has both `sources` and `source_resource` (expected exactly one of them)",
            "error: tenants/a.yaml:25:13: tenants[0].policies[2].rules[0].ports: ports are not allowed with protocol all or icmp (expected no ports and no port_ranges with protocol all or icmp)",
            "error: tenants/a.yaml:29:60: tenants[0].policies[2].rules[0].destination_resource.resource: unknown resource \"nsa\" in network \"lan\" (expected a resource of that network)",
            "error: tenants/a.yaml:33:30: tenants[0].policies[3].rules[0].source_resource: `resource` is missing (expected a network resource as `network` and `resource` together)",
            "error: tenants/a.yaml:34:35: tenants[0].policies[3].rules[0].destination_resource: a resource reference has both `network` and `peer` (expected exactly one of them)",
        ],
    );
}

#[test]
fn bad_expiry_durations() {
    let file = format!(
        "{HEAD}    setup_keys:\n      - {{name: a, type: reusable, expires_in: soon}}\n      - {{name: b, type: reusable, expires_in: 400d}}\n      - {{name: c, type: reusable, expires_in: 30}}\n"
    );
    assert_invalid(
        &[("a.yaml", &file)],
        &[
            "error: tenants/a.yaml:6:47: tenants[0].setup_keys[0].expires_in: \"soon\" is not a duration (expected a duration such as 30d or 12h, at most 365d, or never)",
            "error: tenants/a.yaml:7:47: tenants[0].setup_keys[1].expires_in: \"400d\" is out of range (expected a duration such as 30d or 12h, at most 365d, or never)",
            "error: tenants/a.yaml:8:47: tenants[0].setup_keys[2].expires_in: found an integer (expected a duration such as 30d or 12h, at most 365d, or never)",
        ],
    );
}

#[test]
fn unknown_roles_and_setup_key_types() {
    let file = format!(
        "{HEAD}    setup_keys:\n      - {{name: a, type: reuseable}}\n    users:\n      - {{email: a@acme.example, role: admn}}\n      - {{service: bot, role: owner}}\n"
    );
    assert_invalid(
        &[("a.yaml", &file)],
        &[
            "error: tenants/a.yaml:6:25: tenants[0].setup_keys[0].type: unknown setup key type \"reuseable\"; did you mean \"reusable\"? (expected one of one-off, reusable)",
            "error: tenants/a.yaml:8:39: tenants[0].users[0].role: unknown role \"admn\"; did you mean \"admin\"? (expected one of owner, admin, user, network_admin, billing_admin, auditor)",
            "error: tenants/a.yaml:9:30: tenants[0].users[1].role: a service user cannot be the owner (expected admin, user, network_admin, billing_admin or auditor)",
        ],
    );
}

#[test]
fn tenant_without_id_domain_or_self() {
    assert_invalid(
        &[(
            "a.yaml",
            "version: 1\ntenants:\n  - name: Nowhere\n    groups: [{name: g}]\n",
        )],
        &[
            "error: tenants/a.yaml:3:5: tenants[0]: the tenant has neither `id`, `domain` nor `self` (expected `id` or `domain` to find the MSP tenant, or `self: true`)",
        ],
    );
}

#[test]
fn self_with_domain_and_create_without_domain() {
    assert_invalid(
        &[(
            "a.yaml",
            "version: 1\ntenants:\n  - name: Me\n    self: true\n    domain: me.example\n  - name: New\n    id: xyz\n    create: true\n",
        )],
        &[
            "error: tenants/a.yaml:3:5: tenants[0]: `self: true` manages the token's own account, which has no MSP `domain` (expected either `self: true` (with an optional `id`) or `id`/`domain`)",
            "error: tenants/a.yaml:6:5: tenants[1]: `create: true` needs the new tenant's `domain` (expected a `domain` field)",
        ],
    );
}

#[test]
fn yaml_syntax_errors_are_located_and_other_files_still_checked() {
    assert_invalid(
        &[
            ("a.yaml", "version: 1\ntenants: [\n"),
            ("b.yaml", "version: 2\n"),
        ],
        &[
            "error: tenants/a.yaml:2:10: YAML syntax error: unclosed bracket '[' (expected valid YAML)",
            "error: tenants/b.yaml:1:10: version: unsupported format version 2 (expected 1)",
            "2 problems found; nothing was contacted",
        ],
    );
}

#[test]
fn every_problem_in_every_file_is_reported_in_file_order() {
    let out = Test::new()
        .file("tenants/b.yaml", "version: 1\nextra: 1\n")
        .file("tenants/a.yaml", "version: 1\ntenants:\n  - name: X\n")
        .args(&["validate", "-f", "tenants"])
        .run();
    assert_eq!(out.code, 1);
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 2, "{}", out.stderr);
    assert!(
        errors[0].starts_with("error: tenants/a.yaml:3:5:"),
        "{}",
        out.stderr
    );
    assert!(
        errors[1].starts_with("error: tenants/b.yaml:2:1:"),
        "{}",
        out.stderr
    );
}

#[test]
fn empty_file_and_missing_path() {
    assert_invalid(
        &[("a.yaml", "")],
        &[
            "error: tenants/a.yaml:1:1: the file is empty (expected a mapping with `version`, `baselines` and `tenants`)",
        ],
    );
    let out = Test::new().args(&["validate", "-f", "nothing-here"]).run();
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .starts_with("error: nothing-here: No such file or directory"),
        "{}",
        out.stderr
    );
}

/// 1,000 tenants of 100 groups in one file: about 2.5 MB and 300,000 YAML nodes.
fn thousand_tenants_of_a_hundred_groups() -> String {
    let mut text = String::from("version: 1\ntenants:\n");
    for tenant in 0..1000 {
        let _ = write!(
            text,
            "  - name: tenant-{tenant:04}\n    domain: tenant-{tenant:04}.example\n    groups:\n"
        );
        for group in 0..100 {
            let _ = writeln!(text, "      - name: group-{group:03}");
        }
    }
    text
}

#[test]
fn a_large_single_file_validates() {
    let text = thousand_tenants_of_a_hundred_groups();
    assert!(text.len() > 2_000_000, "{} bytes", text.len());
    let out = Test::new()
        .file("tenants.yaml", &text)
        .args(&["validate", "-f", "tenants.yaml"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "tenants.yaml valid: 1 file, 1000 tenants\n");
}

#[test]
fn an_alias_bomb_is_refused_where_it_expands() {
    let mut bomb = String::from("version: 1\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (name, previous) in ["b", "c", "d", "e", "f", "g", "h", "i"]
        .into_iter()
        .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        let aliases = vec![format!("*{previous}"); 10].join(", ");
        let _ = writeln!(bomb, "{name}: &{name} [{aliases}]");
    }
    bomb.push_str("tenants: []\n");
    assert_invalid(
        &[("a.yaml", &bomb)],
        &[
            "error: tenants/a.yaml:7:12: YAML refused: the document has too many values for its size: aliases repeat too much of the document (an alias bomb?) (expected valid YAML)",
            "1 problem found; nothing was contacted",
        ],
    );
}

fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn fifos_in_a_directory_are_skipped_with_a_warning_never_opened() {
    let test = Test::new().file("tenants/a.yaml", HEAD);
    mkfifo(&test.path().join("tenants/x.yaml"));
    std::os::unix::fs::symlink("x.yaml", test.path().join("tenants/y.yml")).unwrap();
    let out = test.args(&["validate", "-f", "tenants"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "warning: tenants/x.yaml: skipped: a FIFO, not a regular file\n\
         warning: tenants/y.yml: skipped: a FIFO, not a regular file\n\
         tenants valid: 1 file, 1 tenant\n"
    );
}

#[test]
fn a_fifo_named_directly_is_refused_unopened() {
    let test = Test::new();
    mkfifo(&test.path().join("x.yaml"));
    let out = test.args(&["validate", "-f", "x.yaml"]).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "error: x.yaml: a FIFO, not a regular file or directory; only regular files are read\n\
         1 problem found; nothing was contacted\n"
    );
}

#[test]
fn invalid_utf8_is_reported_at_its_line_and_column() {
    let test = Test::new().file("tenants/b.yaml", HEAD);
    let mut bytes = b"version: 1\ntenants:\n  - name: Acm\xc3\xa9 \xff\n".to_vec();
    std::fs::write(test.path().join("tenants/a.yaml"), &bytes).unwrap();
    bytes.truncate(bytes.len() - 4);
    std::fs::write(test.path().join("tenants/c.yaml"), &bytes).unwrap();
    let out = test.args(&["validate", "-f", "tenants"]).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "error: tenants/a.yaml:3:16: the file is not valid UTF-8: byte 0xff (expected UTF-8 text)",
            "error: tenants/c.yaml:3:14: the file is not valid UTF-8: a character cut off at the end (expected UTF-8 text)",
            "2 problems found; nothing was contacted",
        ],
        "{}",
        out.stderr
    );
}

#[test]
fn tenant_domains_must_be_dns_names() {
    let file = "version: 1\ntenants:\n  - name: Acme\n    domain: \"*.acme.example\"\n  - name: Globex\n    domain: globex corp.example\n  - name: Initech\n    domain: initech.example\n";
    assert_invalid(
        &[("a.yaml", file)],
        &[
            "error: tenants/a.yaml:4:13: tenants[0].domain: \"*.acme.example\" is not a domain name (expected a DNS name such as acme.example: letters, digits and hyphens between dots, no wildcard)",
            "error: tenants/a.yaml:6:13: tenants[1].domain: \"globex corp.example\" is not a domain name (expected a DNS name such as acme.example: letters, digits and hyphens between dots, no wildcard)",
            "2 problems found; nothing was contacted",
        ],
    );
}

#[test]
fn usage_errors_exit_64() {
    let out = Test::new().args(&["validate"]).run();
    assert_eq!(out.code, 64, "{}", out.stderr);
    assert!(out.stderr.contains("--file <PATH>"), "{}", out.stderr);
    let out = Test::new()
        .args(&["plan", "-f", "x", "--format", "yaml"])
        .run();
    assert_eq!(out.code, 64, "{}", out.stderr);
    let out = Test::new()
        .args(&["validate", "-f", "x", "--parallel", "0"])
        .run();
    assert_eq!(out.code, 64, "{}", out.stderr);
    assert_eq!(out.stderr, "error: --parallel must be at least 1\n");
    // The snapshots' age limits mean nothing without snapshots: refused, not ignored.
    for flag in ["--unlogged-max-age", "--snapshot-max-age"] {
        let out = Test::new().args(&["plan", "-f", "x", flag, "1h"]).run();
        assert_eq!(out.code, 64, "{}", out.stderr);
        assert!(out.stderr.contains("--snapshots"), "{}", out.stderr);
    }
}

#[test]
fn help_lists_every_command_and_the_exit_codes() {
    let out = Test::new().args(&["--help"]).run();
    assert_eq!(out.code, 0);
    for command in COMMANDS {
        assert!(
            out.stdout.contains(&format!("  {command}")),
            "{command} missing:\n{}",
            out.stdout
        );
    }
    for option in [
        "--tenant",
        "--parallel",
        "--rate",
        "--burst",
        "--verbose",
        "--quiet",
        "--color",
    ] {
        assert!(
            out.stdout.contains(option),
            "{option} missing:\n{}",
            out.stdout
        );
    }
    assert!(out.stdout.contains("64  usage error"), "{}", out.stdout);
}

#[test]
fn help_documents_ca_cert_and_its_environment_variable() {
    let out = Test::new().args(&["--help"]).run();
    assert_eq!(out.code, 0);
    let help = out.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("--ca-cert <FILE> PEM certificate (or bundle) of a private CA to trust")
            && help.contains("[env: NETBIRD_CA_CERT=]"),
        "{}",
        out.stdout
    );
}

#[test]
fn bootstrap_checks_ca_cert_before_contacting_the_server() {
    let test = Test::new()
        .secret_file("password.txt", "correct horse battery\n")
        .file(
            "ca.pem",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .args(&[
            "bootstrap",
            "--url",
            "https://127.0.0.1:9",
            "--email",
            "owner@msp.example",
            "--name",
            "MSP Owner",
            "--password-file",
            "password.txt",
            "--pat-out",
            "pat.txt",
            "--ca-cert",
            "ca.pem",
        ]);
    let out = test.run();
    assert_eq!(out.code, 64, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("error: --ca-cert ca.pem: no PEM certificate in it (expected one or more -----BEGIN CERTIFICATE----- blocks"),
        "{}",
        out.stderr
    );
    assert!(!test.path().join("pat.txt").exists());
}

#[test]
fn schema_command_prints_the_checked_in_schema() {
    let out = Test::new().args(&["schema"]).run();
    assert_eq!(out.code, 0);
    let checked_in =
        std::fs::read_to_string(repo_root().join("schema/birdhouse.schema.json")).unwrap();
    assert!(
        out.stdout == checked_in,
        "schema/birdhouse.schema.json is out of date: run `cargo run -- schema > schema/birdhouse.schema.json`"
    );
}

const TENANTS_AB: &str = "version: 1\ntenants:\n  - name: Acme Dental\n    domain: acme.example\n    groups: [{name: a}]\n  - name: Globex\n    domain: globex.example\n    groups: [{name: b}]\n";

/// `plan` against nothing that listens, with these tenant patterns.
fn plan_selecting(patterns: &[&str]) -> crate::support::Output {
    let mut args = vec!["plan", "-f", "t.yaml", "--api-url", "http://127.0.0.1:9"];
    for pattern in patterns {
        args.extend(["--tenant", pattern]);
    }
    Test::new()
        .file("t.yaml", TENANTS_AB)
        .env(
            "NETBIRD_API_TOKEN",
            "nbp_abcdefghijklmnopqrstuvwxyz0123456789",
        )
        .args(&args)
        .run()
}

#[test]
fn a_mistyped_tenant_is_a_usage_error_even_beside_one_that_matches() {
    let out = plan_selecting(&["globex", "Acme Dentl"]);
    assert_eq!(out.code, 64, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "error: --tenant \"Acme Dentl\" matches no tenant in the files; did you mean \"Acme Dental\"?\n"
    );
    // Case does not matter: these select both tenants, so the run goes on to the API.
    let out = plan_selecting(&["acme*", "GLOBEX"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("no answer from the NetBird API at http://127.0.0.1:9"),
        "{}",
        out.stderr
    );
}

#[test]
fn connection_errors_name_the_server_and_say_what_to_fix() {
    let run = |url: &str| {
        Test::new()
            .env(
                "NETBIRD_API_TOKEN",
                "nbp_abcdefghijklmnopqrstuvwxyz0123456789",
            )
            .args(&["tenants", "--api-url", url])
            .run()
    };
    let refused = run("http://127.0.0.1:9");
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("no answer from the NetBird API at http://127.0.0.1:9 after")
            && refused.stderr.contains("Connection refused"),
        "{}",
        refused.stderr
    );
    let bare = run("127.0.0.1:9");
    assert_eq!(bare.code, 64);
    assert_eq!(
        bare.stderr,
        "error: --api-url/NETBIRD_API_URL: invalid API URL \"127.0.0.1:9\": it has no scheme; write https://127.0.0.1:9 (or http://127.0.0.1:9 for a server on this machine)\n"
    );
    // https to a port that speaks plain HTTP.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let _ = std::io::Write::write_all(
                &mut stream,
                b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n",
            );
        }
    });
    let plain = run(&format!("https://127.0.0.1:{port}"));
    assert_eq!(plain.code, 1);
    assert!(
        plain.stderr.contains(
            "the server does not speak TLS there: is it a plain-http port? (use http://)"
        ),
        "{}",
        plain.stderr
    );
}

#[test]
fn rust_log_works_and_never_shows_the_token() {
    let server = httpmock::MockServer::start();
    server.mock(|when, then| {
        when.method(httpmock::Method::GET)
            .path("/api/integrations/msp/tenants");
        then.status(200).json_body(serde_json::json!([]));
    });
    let token = "nbp_abcdefghijklmnopqrstuvwxyz0123456789";
    let out = Test::new()
        .env("NETBIRD_API_TOKEN", token)
        .env("RUST_LOG", "trace")
        .args(&["tenants", "--api-url", &server.base_url()])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Dependencies' own events appear (hyper, reqwest), as RUST_LOG asked; the token does not.
    assert!(
        out.stderr.contains("connected to 127.0.0.1"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(token) && !out.stdout.contains(token));
}

#[test]
fn the_man_page_has_environment_and_exit_status_and_no_missing_pages() {
    let out = Test::new().args(&["man"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH COMMANDS",
        ".SH EXIT STATUS",
        ".SH ENVIRONMENT",
    ] {
        assert!(out.stdout.contains(section), "{section} missing");
    }
    for variable in [
        "NETBIRD_API_TOKEN",
        "NETBIRD_API_URL",
        "NETBIRD_HOST",
        "SSL_CERT_FILE",
        "NO_COLOR",
        "RUST_LOG",
    ] {
        assert!(out.stdout.contains(variable), "{variable} missing");
    }
    // No page per command exists, so none is referred to.
    assert!(
        !out.stdout.contains("(1)"),
        "refers to pages that do not exist"
    );
    assert!(out.stdout.contains("birdhouse unlock"));
}

/// Every subcommand, as `--help` lists them.
const COMMANDS: [&str; 10] = [
    "validate",
    "plan",
    "apply",
    "export",
    "tenants",
    "unlock",
    "schema",
    "bootstrap",
    "completions",
    "man",
];

/// Every command's help ends with examples of itself, and lists only the global options the
/// command uses.
#[test]
fn each_commands_help_shows_examples_and_only_the_options_it_uses() {
    let help = |command: &str| {
        let out = Test::new().args(&[command, "--help"]).run();
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout
    };
    for command in COMMANDS {
        let text = help(command);
        let examples = text
            .split("Examples:\n")
            .nth(1)
            .unwrap_or_else(|| panic!("`{command} --help` has no examples:\n{text}"));
        let lines = examples
            .lines()
            .filter(|l| l.starts_with(&format!("  birdhouse {command}")))
            .count();
        assert!(
            (1..=3).contains(&lines),
            "`{command} --help` examples:\n{examples}"
        );
    }
    let listed = |command: &str, option: &str| help(command).contains(&format!("--{option}"));
    for option in [
        "rate",
        "burst",
        "parallel",
        "api-url",
        "token-file",
        "tenant",
    ] {
        assert!(!listed("schema", option), "schema --help lists --{option}");
        assert!(listed("plan", option), "plan --help misses --{option}");
    }
    assert!(listed("validate", "tenant"));
    assert!(!listed("validate", "api-url"));
    assert!(!listed("tenants", "tenant"));
    assert!(listed("tenants", "api-url"));
    // Hidden is not refused: a flag set for every call does not break a command.
    let out = Test::new().args(&["schema", "--rate", "60"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("\"$schema\""));
}

#[test]
fn posture_checks_are_refused_where_netbird_would_refuse_them_and_policies_name_known_ones() {
    let file = format!(
        "{HEAD}    groups: [{{name: devs}}]\n    posture_checks:\n      - name: empty\n        checks: {{}}\n      - name: bad\n        checks:\n          nb_version_check: {{min_version: latest}}\n          os_version_check: {{}}\n          geo_location_check: {{locations: [{{country_code: de}}], action: allow}}\n          peer_network_range_check: {{ranges: [10.0.0.0/33], action: block}}\n          process_check: {{processes: [{{}}]}}\n      - name: recent\n        checks: {{nb_version_check: {{min_version: 0.28.0}}}}\n    policies:\n      - name: p\n        source_posture_checks: [recnet]\n        rules: [{{protocol: all, sources: [devs], destinations: [devs]}}]\n"
    );
    assert_invalid(
        &[("a.yaml", &file)],
        &[
            "error: tenants/a.yaml:8:17: tenants[0].posture_checks[0].checks: no check is set (expected at least one of nb_version_check, os_version_check, geo_location_check, peer_network_range_check, process_check)",
            "error: tenants/a.yaml:11:43: tenants[0].posture_checks[1].checks.nb_version_check.min_version: \"latest\" is not a version (expected a version such as 0.28.0, 14.2.1 or 10.0.19045)",
            "error: tenants/a.yaml:12:29: tenants[0].posture_checks[1].checks.os_version_check: no operating system is listed (expected at least one of android, darwin, ios, linux, windows)",
            "error: tenants/a.yaml:13:59: tenants[0].posture_checks[1].checks.geo_location_check.locations[0].country_code: \"de\" is not a country code (expected two upper-case letters (ISO 3166-1 alpha-2), such as DE)",
            "error: tenants/a.yaml:14:47: tenants[0].posture_checks[1].checks.peer_network_range_check.ranges[0]: \"10.0.0.0/33\" is not a network range (expected a CIDR range such as 10.0.0.0/8 or 2001:db8::/32)",
            "error: tenants/a.yaml:14:69: tenants[0].posture_checks[1].checks.peer_network_range_check.action: unknown action \"block\" (expected one of allow, deny)",
            "error: tenants/a.yaml:15:39: tenants[0].posture_checks[1].checks.process_check.processes[0]: the process has no path (expected at least one of linux_path, mac_path, windows_path)",
            "error: tenants/a.yaml:20:33: tenants[0].policies[0].source_posture_checks[0]: unknown posture check \"recnet\" in tenant \"Acme\"; did you mean \"recent\"? (expected a posture check listed under `posture_checks` in this tenant or its baselines)",
        ],
    );
}

#[test]
fn routes_are_refused_where_netbird_would_refuse_them_and_name_known_groups() {
    let file = format!(
        "{HEAD}    groups: [{{name: devs}}, {{name: gateways}}]\n    routes:\n      - network_id: both\n        network: 10.0.0.0/8\n        domains: [corp.example]\n        peer: gw-1\n        peer_groups: [gateways]\n        groups: [devs]\n      - network_id: neither\n        groups: [devs]\n      - network_id: an-identifier-that-is-longer-than-forty-chars\n        network: 10.1.2.3/16\n        peer: gw-1\n        groups: []\n        metric: 0\n      - network_id: bad-domains\n        domains: [corp.example, \"bad domain\", \"a.*.example\"]\n        peer_groups: [gatways]\n        groups: [devs]\n        access_control_groups: [dev]\n      - network_id: host\n        network: 10.9.9.9\n        peer: gw-1\n      - network_id: dup\n        network: 10.8.0.0/16\n        peer: gw-1\n        groups: [devs]\n      - network_id: dup\n        network: 10.7.0.0/16\n        peer: gw-1\n        groups: [devs]\n"
    );
    assert_invalid(
        &[("a.yaml", &file)],
        &[
            "error: tenants/a.yaml:7:9: tenants[0].routes[0]: a route has both `network` and `domains` (expected exactly one of them)",
            "error: tenants/a.yaml:7:9: tenants[0].routes[0]: a route has both `peer` and `peer_groups` (expected exactly one of them)",
            "error: tenants/a.yaml:13:9: tenants[0].routes[1]: a route needs `network` or `domains` (expected exactly one of them)",
            "error: tenants/a.yaml:13:9: tenants[0].routes[1]: a route needs `peer` or `peer_groups` (expected exactly one of them)",
            "error: tenants/a.yaml:15:21: tenants[0].routes[2].network_id: the identifier has 45 characters (expected 1 to 40 characters)",
            "error: tenants/a.yaml:16:18: tenants[0].routes[2].network: \"10.1.2.3/16\" has host bits set; the network is 10.1.0.0/16 (expected a range in CIDR notation, such as 10.1.0.0/16)",
            "error: tenants/a.yaml:18:17: tenants[0].routes[2].groups: empty list (expected at least one group)",
            "error: tenants/a.yaml:19:17: tenants[0].routes[2].metric: 0 is out of range (expected an integer from 1 to 9999)",
            "error: tenants/a.yaml:21:33: tenants[0].routes[3].domains[1]: \"bad domain\" is not a domain name (expected a domain name such as corp.example or *.corp.example)",
            "error: tenants/a.yaml:21:47: tenants[0].routes[3].domains[2]: \"a.*.example\" is not a domain name (expected a domain name such as corp.example or *.corp.example)",
            "error: tenants/a.yaml:22:23: tenants[0].routes[3].peer_groups[0]: unknown group \"gatways\" in tenant \"Acme\"; did you mean \"gateways\"? (expected a group listed under `groups` in this tenant or its baselines)",
            "error: tenants/a.yaml:24:33: tenants[0].routes[3].access_control_groups[0]: unknown group \"dev\" in tenant \"Acme\"; did you mean \"devs\"? (expected a group listed under `groups` in this tenant or its baselines)",
            "error: tenants/a.yaml:25:9: tenants[0].routes[4]: missing field \"groups\" (expected a \"groups\" field)",
            "error: tenants/a.yaml:26:18: tenants[0].routes[4].network: \"10.9.9.9\" has no prefix length (a single host is 10.9.9.9/32, or /128 for IPv6) (expected a range in CIDR notation, such as 10.1.0.0/16)",
            "error: tenants/a.yaml:32:21: tenants[0].routes[6]: duplicate route \"dup\" in tenant \"Acme\" (expected each route listed once)",
        ],
    );
}

#[test]
fn dns_is_refused_where_netbird_would_refuse_it_and_names_known_groups() {
    let file = format!(
        "{HEAD}    groups: [{{name: devs}}]\n    dns:\n      nameservers:\n        - name: a-name-that-is-far-longer-than-forty-characters\n          nameservers: []\n          groups: [devs]\n          domains: [corp.example]\n        - name: both\n          nameservers: [{{ip: 10.0.0.1, ns_type: tcp, port: 0}}, {{ip: 10.0.0.300}}]\n          groups: [dev]\n          primary: true\n          domains: [corp.example]\n        - name: neither\n          nameservers: [{{ip: 10.0.0.1}}, {{ip: 10.0.0.2}}, {{ip: 10.0.0.3}}, {{ip: 10.0.0.4}}]\n          groups: [devs]\n        - name: primary-search\n          nameservers: [{{ip: 10.0.0.1}}]\n          groups: []\n          primary: true\n          search_domains_enabled: true\n        - name: bad-domains\n          nameservers: [{{ip: 10.0.0.1}}]\n          groups: [devs]\n          domains: [\"*.corp.example\", \"bad domain\"]\n      settings:\n        disabled_management_groups: [dves]\n"
    );
    assert_invalid(
        &[("a.yaml", &file)],
        &[
            "error: tenants/a.yaml:8:17: tenants[0].dns.nameservers[0].name: the name has 47 characters (expected 1 to 40 characters)",
            "error: tenants/a.yaml:9:24: tenants[0].dns.nameservers[0].nameservers: 0 nameservers (expected 1 to 3 nameservers)",
            "error: tenants/a.yaml:12:11: tenants[0].dns.nameservers[1]: a primary group has match domains (expected either `primary: true` (every domain) or `domains`, not both)",
            "error: tenants/a.yaml:13:49: tenants[0].dns.nameservers[1].nameservers[0].ns_type: unknown nameserver type \"tcp\" (expected udp, the only type NetBird accepts)",
            "error: tenants/a.yaml:13:60: tenants[0].dns.nameservers[1].nameservers[0].port: 0 is out of range (expected an integer from 1 to 65535)",
            "error: tenants/a.yaml:13:69: tenants[0].dns.nameservers[1].nameservers[1].ip: \"10.0.0.300\" is not an IP address (expected an IPv4 or IPv6 address, such as 10.20.0.53)",
            "error: tenants/a.yaml:14:20: tenants[0].dns.nameservers[1].groups[0]: unknown group \"dev\" in tenant \"Acme\"; did you mean \"devs\"? (expected a group listed under `groups` in this tenant or its baselines)",
            "error: tenants/a.yaml:17:11: tenants[0].dns.nameservers[2]: a group that is not primary has no match domains (expected `domains`, or `primary: true` to resolve every domain)",
            "error: tenants/a.yaml:18:24: tenants[0].dns.nameservers[2].nameservers: 4 nameservers (expected 1 to 3 nameservers)",
            "error: tenants/a.yaml:20:11: tenants[0].dns.nameservers[3].search_domains_enabled: a primary group cannot make search domains (expected search_domains_enabled only with match domains)",
            "error: tenants/a.yaml:22:19: tenants[0].dns.nameservers[3].groups: empty list (expected at least one group)",
            "error: tenants/a.yaml:28:21: tenants[0].dns.nameservers[4].domains[0]: \"*.corp.example\" is a wildcard, which match domains cannot be (expected a domain name such as clinic.internal)",
            "error: tenants/a.yaml:28:39: tenants[0].dns.nameservers[4].domains[1]: \"bad domain\" is not a domain name (expected a domain name such as clinic.internal)",
            "error: tenants/a.yaml:30:38: tenants[0].dns.settings.disabled_management_groups[0]: unknown group \"dves\" in tenant \"Acme\"; did you mean \"devs\"? (expected a group listed under `groups` in this tenant or its baselines)",
        ],
    );
}

#[test]
fn dns_zones_and_records_are_refused_where_netbird_would_refuse_them() {
    let file = format!(
        "{HEAD}    groups: [{{name: devs}}]\n    dns:\n      zones:\n        - domain: \"*.wild.internal\"\n          name: \"\"\n          distribution_groups: []\n        - domain: clinic.internal\n          name: Clinic\n          distribution_groups: [dev]\n          records:\n            - {{name: pms.other.internal, type: A, content: 10.0.0.1}}\n            - {{name: pms.clinic.internal, type: a, content: 10.0.0.1}}\n            - {{name: v6.clinic.internal, type: AAAA, content: \"::ffff:10.0.0.1\"}}\n            - {{name: v4.clinic.internal, type: A, content: \"fd00::1\"}}\n            - {{name: www.clinic.internal, type: CNAME, content: \"*.clinic.internal\"}}\n            - {{name: both.clinic.internal, type: CNAME, content: pms.clinic.internal}}\n            - {{name: both.clinic.internal, type: A, content: 10.0.0.2}}\n            - {{name: dup.clinic.internal, type: A, content: 10.0.0.3}}\n            - {{name: dup.clinic.internal, type: A, content: 10.0.0.3, ttl: -1}}\n"
    );
    assert_invalid(
        &[("a.yaml", &file)],
        &[
            "error: tenants/a.yaml:8:19: tenants[0].dns.zones[0].domain: \"*.wild.internal\" is not a zone domain (expected an ASCII domain name without a wildcard or a trailing dot, such as clinic.internal)",
            "error: tenants/a.yaml:9:17: tenants[0].dns.zones[0].name: empty string (expected a non-empty string)",
            "error: tenants/a.yaml:10:32: tenants[0].dns.zones[0].distribution_groups: empty list (expected at least one group)",
            "error: tenants/a.yaml:13:33: tenants[0].dns.zones[1].distribution_groups[0]: unknown group \"dev\" in tenant \"Acme\"; did you mean \"devs\"? (expected a group listed under `groups` in this tenant or its baselines)",
            "error: tenants/a.yaml:15:22: tenants[0].dns.zones[1].records[0].name: \"pms.other.internal\" is not a name in the zone \"clinic.internal\" (expected the full name: clinic.internal itself or a name ending in .clinic.internal (case matters))",
            "error: tenants/a.yaml:16:49: tenants[0].dns.zones[1].records[1].type: record type \"a\" is not upper case (expected \"A\", as NetBird spells it)",
            "error: tenants/a.yaml:17:63: tenants[0].dns.zones[1].records[2].content: \"::ffff:10.0.0.1\" is not the content of an AAAA record (expected an IPv6 address (not an IPv4-mapped one))",
            "error: tenants/a.yaml:18:60: tenants[0].dns.zones[1].records[3].content: \"fd00::1\" is not the content of an A record (expected an IPv4 address)",
            "error: tenants/a.yaml:19:65: tenants[0].dns.zones[1].records[4].content: \"*.clinic.internal\" is not the content of a CNAME record (expected a domain name without a wildcard or a trailing dot)",
            "error: tenants/a.yaml:20:22: tenants[0].dns.zones[1].records: \"both.clinic.internal\" has a CNAME record beside other records (expected a CNAME as the only record of its name)",
            "error: tenants/a.yaml:23:22: tenants[0].dns.zones[1].records[8]: the same record twice (expected each name, type and content listed once)",
            "error: tenants/a.yaml:23:76: tenants[0].dns.zones[1].records[8].ttl: -1 is out of range (expected an integer from 0 to 2147483647)",
        ],
    );
}

#[test]
fn account_settings_are_refused_where_netbird_would_refuse_them() {
    let file = format!(
        "{HEAD}    groups: [{{name: devs}}]\n    settings:\n      peer_login_expiration: 30m\n      peer_inactivity_expiration: soon\n      dns_domain: \"*.acme.internal\"\n      lazy_connection: true\n      extra:\n        network_traffic_logs_groups: [dves]\n"
    );
    assert_invalid(
        &[("a.yaml", &file)],
        &[
            "error: tenants/a.yaml:7:30: tenants[0].settings.peer_login_expiration: 30m is out of range (expected from 1h to 180d)",
            "error: tenants/a.yaml:8:35: tenants[0].settings.peer_inactivity_expiration: \"soon\" is not a duration (expected a duration such as 24h or 30d)",
            "error: tenants/a.yaml:9:19: tenants[0].settings.dns_domain: \"*.acme.internal\" is not a DNS domain (expected an ASCII domain name without a wildcard or a trailing dot, or \"\")",
            "error: tenants/a.yaml:10:7: tenants[0].settings: unknown field \"lazy_connection\"; did you mean \"lazy_connection_enabled\"? (expected one of dns_domain, extra, groups_propagation_enabled, lazy_connection_enabled, peer_inactivity_expiration, peer_inactivity_expiration_enabled, peer_login_expiration, peer_login_expiration_enabled, regular_users_view_blocked, routing_peer_dns_resolution_enabled)",
            "error: tenants/a.yaml:12:39: tenants[0].settings.extra.network_traffic_logs_groups[0]: unknown group \"dves\" in tenant \"Acme\"; did you mean \"devs\"? (expected a group listed under `groups` in this tenant or its baselines)",
        ],
    );
}
