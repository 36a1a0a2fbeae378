//! `jeton card serve`: virtual cards plugged into `pcscd` through the vsmartcard vpcd
//! driver, one reader each, until Ctrl-C (SIGINT) or SIGTERM.
//!
//! Each card runs in its own thread (`jeton_card::vpcd::run`, which reconnects when pcscd
//! restarts); the threads report to this one, which alone writes, in the holder's language.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

use jeton_card::vpcd::{self, Event, VpcdError};

use super::Ctx;
use crate::cli::ServeArgs;
use crate::error::CliError;
use crate::i18n::Msg;

/// What a card's thread tells the main one; cards are named by their index in the plan.
enum Report {
    Event(usize, Event),
    Done(usize, Result<(), VpcdError>),
}

/// Pairs cards with vpcd addresses: the i-th `--card` with the i-th `--vpcd`; without
/// `--vpcd`, vpcd's own ports in order (35963 for its first reader, 35964 the second).
pub fn plan(cards: &[u32], addresses: &[String]) -> Result<Vec<(u32, String)>, CliError> {
    let addresses: Vec<String> = if addresses.is_empty() {
        (0..cards.len())
            .map(|i| format!("127.0.0.1:{}", usize::from(vpcd::DEFAULT_PORT) + i))
            .collect()
    } else {
        addresses.to_vec()
    };
    if addresses.len() != cards.len() {
        return Err(CliError::ServePairing {
            cards: cards.len(),
            readers: addresses.len(),
        });
    }
    for (i, card) in cards.iter().enumerate() {
        if cards[..i].contains(card) {
            return Err(CliError::ServeTwice(card.to_string()));
        }
    }
    for (i, address) in addresses.iter().enumerate() {
        if addresses[..i].contains(address) {
            return Err(CliError::ServeTwice(address.clone()));
        }
    }
    Ok(cards.iter().copied().zip(addresses).collect())
}

pub fn run(ctx: &mut Ctx, args: &ServeArgs) -> Result<(), CliError> {
    let serials = if args.cards.is_empty() {
        vec![ctx.home.choose(None)?]
    } else {
        for serial in &args.cards {
            ctx.home.choose(Some(*serial))?;
        }
        args.cards.clone()
    };
    let plan = plan(&serials, &args.vpcd)?;
    let verbose = args.verbose
        || std::env::var("JETON_LOG").is_ok_and(|level| level.eq_ignore_ascii_case("debug"));

    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // A second Ctrl-C ends the program at once, should a card hang.
        signal_hook::flag::register_conditional_shutdown(signal, 1, Arc::clone(&stop))
            .and_then(|_| signal_hook::flag::register(signal, Arc::clone(&stop)))
            .map_err(CliError::Signal)?;
    }

    let (reports, inbox) = mpsc::channel();
    let mut threads = Vec::new();
    for (index, (serial, address)) in plan.iter().enumerate() {
        let mut card = ctx.home.cards().open(*serial)?;
        ctx.note(Msg::ServeStarting(*serial, address))?;
        let (stop, reports, address) = (Arc::clone(&stop), reports.clone(), address.clone());
        threads.push(std::thread::spawn(move || {
            let result = vpcd::run(&address, &mut card, &stop, &mut |event| {
                let _ = reports.send(Report::Event(index, event));
            });
            let _ = reports.send(Report::Done(index, result));
        }));
    }
    drop(reports);

    let mut failure = None;
    let mut waiting = std::collections::HashSet::new();
    for report in inbox {
        match report {
            Report::Event(index, event) => {
                let (serial, address) = (plan[index].0, plan[index].1.as_str());
                match event {
                    Event::Connected(_) => {
                        waiting.remove(&serial);
                        ctx.note(Msg::ServeConnected(serial, address))?;
                    }
                    // Said once per outage, not at every retry.
                    Event::Unreachable { .. } if waiting.insert(serial) => {
                        ctx.note(Msg::ServeWaiting(serial, address))?;
                    }
                    Event::Disconnected => ctx.note(Msg::ServeDisconnected(serial))?,
                    // Debug level: instruction and status word only, never the data.
                    Event::Apdu { ins, sw, elapsed } if verbose => {
                        let micros = elapsed.as_micros();
                        writeln!(
                            ctx.err,
                            "card {serial}: INS {ins:02X} SW {sw:04X} {micros} µs"
                        )
                        .map_err(CliError::Output)?
                    }
                    Event::PowerOn | Event::PowerOff | Event::Reset if verbose => {
                        writeln!(ctx.err, "card {serial}: {event:?}").map_err(CliError::Output)?
                    }
                    _ => {}
                }
            }
            Report::Done(index, Err(error)) => {
                // One card failing (its file gone) stops them all: the holder must know.
                stop.store(true, Ordering::Relaxed);
                failure.get_or_insert(CliError::Vpcd(plan[index].0, error.to_string()));
            }
            Report::Done(_, Ok(())) => {}
        }
    }
    for thread in threads {
        let _ = thread.join();
    }
    match failure {
        Some(error) => Err(error),
        None => ctx.note(Msg::ServeStopped),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_take_vpcd_ports_in_order_unless_told() {
        let plan = plan(&[1, 2], &[]).unwrap();
        assert_eq!(
            plan,
            [(1, "127.0.0.1:35963".into()), (2, "127.0.0.1:35964".into())]
        );
        let plan = plan_of(&[7], &["10.0.0.2:45963"]);
        assert_eq!(plan, [(7, "10.0.0.2:45963".into())]);
    }

    fn plan_of(cards: &[u32], addresses: &[&str]) -> Vec<(u32, String)> {
        let addresses: Vec<String> = addresses.iter().map(|a| a.to_string()).collect();
        plan(cards, &addresses).unwrap()
    }

    #[test]
    fn each_card_needs_its_own_reader() {
        let two = ["127.0.0.1:1".to_string(), "127.0.0.1:2".to_string()];
        assert!(matches!(
            plan(&[1], &two),
            Err(CliError::ServePairing {
                cards: 1,
                readers: 2
            })
        ));
        assert!(matches!(plan(&[1, 1], &two), Err(CliError::ServeTwice(_))));
        let same = ["127.0.0.1:1".to_string(), "127.0.0.1:1".to_string()];
        assert!(matches!(plan(&[1, 2], &same), Err(CliError::ServeTwice(_))));
    }
}
