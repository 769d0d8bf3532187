//! `birdhouse tenants`: list the MSP's tenants (id, name, domain, status) with one call.
//!
//! stdout carries only the list, as an aligned table or a JSON array, sorted by name then id
//! (the server's order is not defined), so the output of two runs can be diffed.

use std::io::Write;

use serde::Serialize;

use crate::cli::args::{ListFormat, TenantsArgs};
use crate::cli::common;
use crate::cli::exit::Exit;
use crate::cli::settings::Settings;
use crate::kinds::wire::Tenant;

/// One row of the list, and the shape of each JSON element.
#[derive(Debug, Serialize)]
struct Row<'a> {
    id: &'a str,
    name: &'a str,
    domain: &'a str,
    status: &'a str,
}

/// Runs `birdhouse tenants`.
pub(in crate::cli) fn run(settings: &Settings, args: &TenantsArgs) -> anyhow::Result<Exit> {
    let engine = common::connect(settings)?;
    let mut tenants = engine.list_tenants()?;
    let stats = engine.stats();
    tracing::info!(
        tenants = tenants.len(),
        api_calls = stats.requests,
        rate_limited = stats.rate_limited,
        "listed tenants"
    );
    tenants.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));

    let mut stdout = std::io::stdout().lock();
    match args.format {
        ListFormat::Table => write_table(&mut stdout, &tenants)?,
        ListFormat::Json => write_json(&mut stdout, &tenants)?,
    }
    stdout.flush()?;
    Ok(Exit::Success)
}

fn rows(tenants: &[Tenant]) -> Vec<Row<'_>> {
    tenants
        .iter()
        .map(|t| Row {
            id: &t.id,
            name: &t.name,
            domain: &t.domain,
            status: &t.status,
        })
        .collect()
}

fn write_json(out: &mut dyn Write, tenants: &[Tenant]) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &rows(tenants))?;
    writeln!(out)?;
    Ok(())
}

/// Columns padded to their widest cell, two spaces apart, no trailing blanks. Control
/// characters from the server are shown as `?` so a tenant name cannot drive the terminal.
fn write_table(out: &mut dyn Write, tenants: &[Tenant]) -> anyhow::Result<()> {
    let header = ["ID", "NAME", "DOMAIN", "STATUS"].map(str::to_owned);
    let mut lines = vec![header];
    for row in rows(tenants) {
        lines.push([row.id, row.name, row.domain, row.status].map(printable));
    }
    let mut widths = [0usize; 4];
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for line in &lines {
        let mut text = String::new();
        for (i, cell) in line.iter().enumerate() {
            if i + 1 < line.len() {
                text.push_str(cell);
                let pad = widths[i] - cell.chars().count() + 2;
                text.extend(std::iter::repeat_n(' ', pad));
            } else {
                text.push_str(cell);
            }
        }
        writeln!(out, "{}", text.trim_end())?;
    }
    Ok(())
}

fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{write_json, write_table};
    use crate::kinds::wire::Tenant;

    fn tenant(id: &str, name: &str, domain: &str, status: &str) -> Tenant {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": name, "domain": domain, "status": status
        }))
        .unwrap()
    }

    #[test]
    fn table_is_aligned_without_trailing_blanks() {
        let tenants = [
            tenant("ctq2p8n", "Acme Corp", "acme.example", "active"),
            tenant("d01", "Globex\u{1b}[31m", "globex.example", "invited"),
        ];
        let mut out = Vec::new();
        write_table(&mut out, &tenants).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "ID       NAME         DOMAIN          STATUS\n\
             ctq2p8n  Acme Corp    acme.example    active\n\
             d01      Globex?[31m  globex.example  invited\n"
        );
    }

    #[test]
    fn json_is_an_array_of_four_fields() {
        let mut out = Vec::new();
        write_json(&mut out, &[tenant("t1", "Acme", "acme.example", "active")]).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            value,
            serde_json::json!([
                {"id": "t1", "name": "Acme", "domain": "acme.example", "status": "active"}
            ])
        );
    }
}
