//! "Did you mean": the closest known word to a mistyped one, for option values fanlight parses
//! itself (clap already does it for option names and its own value lists) and for preset keys;
//! and clap's errors pointed at the help of the command they are about.

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::CommandFactory;

use super::args::Cli;

/// The known word closest to `typed`, when it is close enough to be the one meant: at most two
/// edits (a swap of neighbours counts as one), and fewer than the word has letters.
#[must_use]
pub fn closest<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed = typed.trim().to_ascii_lowercase();
    known
        .into_iter()
        .map(|k| (strsim::osa_distance(&typed, &k.to_ascii_lowercase()), k))
        .filter(|&(d, k)| d > 0 && d <= 2 && d < k.len().min(typed.len().max(1)))
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

/// The words of the list after "expected" in one of fanlight's value errors ("unknown fit
/// 'cove': expected inside, cover, fill or contain"): the values it accepts, so a new one is
/// offered without a second list to keep up to date.
fn expected_words(message: &str) -> Vec<&str> {
    let Some((_, list)) = message.split_once("expected ") else {
        return Vec::new();
    };
    let list = list.strip_prefix("one of ").unwrap_or(list);
    let list = list.split([';', '(', '\n']).next().unwrap_or_default();
    list.split(", ")
        .flat_map(|part| part.split(" or "))
        .map(str::trim)
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .collect()
}

/// The command the arguments are for, as typed before `--help`: `fanlight convert`, `fanlight
/// report merge`, or `fanlight`.
fn command_path(argv: &[OsString]) -> String {
    let mut path = vec!["fanlight".to_string()];
    let mut command = Cli::command();
    for arg in argv.iter().skip(1) {
        let arg = arg.to_string_lossy();
        let Some(sub) = command.find_subcommand(arg.as_ref()).cloned() else {
            break;
        };
        path.push(arg.into_owned());
        command = sub;
    }
    path.join(" ")
}

/// Clap's whole error text (the message, its tip, the usage), with a "did you mean" for a
/// mistyped value of an option fanlight parses, and the pointer at the help of the command in
/// question (`fanlight convert --help`, not `--help`).
#[must_use]
pub fn clap_error(e: &clap::Error, argv: &[OsString]) -> String {
    let mut text = e.to_string();
    if matches!(
        e.kind(),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue
    ) && e.get(ContextKind::SuggestedValue).is_none()
    {
        if let Some(ContextValue::String(value)) = e.get(ContextKind::InvalidValue) {
            let first = text.lines().next().unwrap_or_default().to_string();
            // A filter's value is `name:parameters`; the name is what may be mistyped.
            let word = value.split(':').next().unwrap_or(value);
            if let Some(best) = closest(word, expected_words(&first)) {
                let tip = format!("\n\n  tip: a similar value exists: '{best}'");
                text.insert_str(first.len(), &tip);
            }
        }
    }
    let help = format!("'{} --help'", command_path(argv));
    text.replace("'--help'", &help)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_close_word_is_offered_and_a_far_one_is_not() {
        let fits = ["inside", "cover", "fill", "contain"];
        assert_eq!(closest("cove", fits), Some("cover"));
        assert_eq!(closest("Contian", fits), Some("contain"));
        assert_eq!(closest("stretch", fits), None);
        assert_eq!(closest("cover", fits), None, "an exact word needs no tip");
        assert_eq!(closest("qualty", ["quality", "resize"]), Some("quality"));
        assert_eq!(closest("jpge", ["same", "jpeg", "png"]), Some("jpeg"));
    }

    #[test]
    fn the_accepted_values_are_read_from_the_message() {
        assert_eq!(
            expected_words("error: invalid value 'cove' for '--fit <MODE>': unknown fit 'cove': expected inside, cover, fill or contain"),
            ["inside", "cover", "fill", "contain"]
        );
        assert_eq!(
            expected_words("unknown filter 'x': expected one of unsharp, blur, sepia"),
            ["unsharp", "blur", "sepia"]
        );
        assert!(expected_words("'0': expected 1 to 100").len() <= 3);
    }
}
