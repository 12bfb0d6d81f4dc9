//! `kantor admin tls-report send`: a day's TLS-RPT reports (RFC 8460) sent now.

use crate::cli::admin::TlsReportCommand;
use anyhow::{Context, Result, anyhow, bail};
use kantor_directory::Directory;

pub(super) async fn run(d: &Directory, command: TlsReportCommand) -> Result<()> {
    let TlsReportCommand::Send { date, config } = command;
    let config = super::server_config(config.as_deref())?;
    let now = chrono::Utc::now();
    let day = match date.as_deref() {
        None => (now - chrono::Duration::days(1))
            .format("%Y-%m-%d")
            .to_string(),
        Some("today") => now.format("%Y-%m-%d").to_string(),
        Some(day) => chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .with_context(|| format!("--date {day:?}: expected YYYY-MM-DD or today"))?
            .format("%Y-%m-%d")
            .to_string(),
    };
    let hostname = crate::serve::server_hostname(&config);
    let Some(from) = kantor_outbound::report_sender(d, &config.outbound) else {
        bail!("no local domain to send TLS reports from (set [outbound] tls_report_from)");
    };
    let dns = kantor_dns::Dns::new(&config.resolver).context("[resolver]")?;
    let policies = kantor_outbound::Policies::new(d.store().clone(), dns, &config.outbound)
        .map_err(|e| anyhow!("[outbound] tls_ca_file: {e}"))?;
    let sent = kantor_outbound::send_reports(&policies, &from, &hostname, &day)
        .await
        .map_err(|e| anyhow!(e))?;
    for line in &sent.lines {
        println!("{line}");
    }
    println!(
        "TLS reports of {day}: {} sent or attempted",
        sent.lines.len()
    );
    Ok(())
}
