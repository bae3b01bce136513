//! What tallymark has to tell the people running a program: `tracing` events with the
//! feature `tracing-events`, and nothing at all without it, since a library must not write
//! to the terminal of the program that embeds it. Each event is also visible without the
//! feature: as a self-metric, in [`Registry::catalog_errors`], or through the API that
//! failed.
//!
//! Every event has the target `tallymark`, so one filter directive (`tallymark=warn`)
//! names them all, whichever crate of tallymark's raised them. Each function here stands
//! for one kind of event and is called from one place.
//!
//! [`Registry::catalog_errors`]: crate::Registry::catalog_errors

use std::fmt::Display;

/// The global catalog refused a declaration, which is left out of every scrape. Said once
/// per refusal, when the catalog is built.
pub(crate) fn declaration_refused(error: &dyn Display) {
    #[cfg(feature = "tracing-events")]
    tracing::error!(
        target: "tallymark",
        %error,
        "a declaration is left out of the global catalog"
    );
    #[cfg(not(feature = "tracing-events"))]
    let _ = error;
}

/// A family's label sets spent its cardinality budget of `budget` series, and new ones
/// now fold into its overflow series. Its caller says it once per family; the self-metric
/// `tallymark_label_overflow_total` counts every folded lookup.
pub(crate) fn overflow(family: &str, budget: usize) {
    #[cfg(feature = "tracing-events")]
    tracing::warn!(
        target: "tallymark",
        family,
        budget,
        "label sets exceed the family's cardinality budget; new ones fold into its overflow series"
    );
    #[cfg(not(feature = "tracing-events"))]
    let _ = (family, budget);
}

/// A remote writer's request failed after the previous one succeeded; it retries with
/// backoff, and says nothing more until it recovers. Public for tallymark-http alone.
#[doc(hidden)]
pub fn remote_write_failing(url: &str, error: &dyn Display) {
    #[cfg(feature = "tracing-events")]
    tracing::warn!(
        target: "tallymark",
        url,
        %error,
        "remote write failing; retrying with backoff"
    );
    #[cfg(not(feature = "tracing-events"))]
    let _ = (url, error);
}

/// A failing remote writer's request succeeded again. Public for tallymark-http alone.
#[doc(hidden)]
pub fn remote_write_recovered(url: &str) {
    #[cfg(feature = "tracing-events")]
    tracing::info!(target: "tallymark", url, "remote write recovered");
    #[cfg(not(feature = "tracing-events"))]
    let _ = url;
}

/// An OTLP exporter's request failed after the previous one succeeded; it retries with
/// backoff, and says nothing more until it recovers. Public for tallymark-http alone.
#[doc(hidden)]
pub fn otlp_export_failing(url: &str, error: &dyn Display) {
    #[cfg(feature = "tracing-events")]
    tracing::warn!(
        target: "tallymark",
        url,
        %error,
        "OTLP export failing; retrying with backoff"
    );
    #[cfg(not(feature = "tracing-events"))]
    let _ = (url, error);
}

/// A failing OTLP exporter's request succeeded again. Public for tallymark-http alone.
#[doc(hidden)]
pub fn otlp_export_recovered(url: &str) {
    #[cfg(feature = "tracing-events")]
    tracing::info!(target: "tallymark", url, "OTLP export recovered");
    #[cfg(not(feature = "tracing-events"))]
    let _ = url;
}

#[cfg(test)]
mod tests {
    use std::fmt::{self, Write as _};
    use std::sync::{Arc, Mutex};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    use super::*;
    use crate::names::NameError;
    use crate::registry::RegistryError;

    /// Each event as one line: level, target, message, then the other fields in order.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<String>>>);

    impl Subscriber for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let meta = event.metadata();
            let mut line = format!("{} {}:", meta.level(), meta.target());
            event.record(&mut Fields(&mut line));
            self.0.lock().unwrap().push(line);
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    struct Fields<'a>(&'a mut String);

    impl Visit for Fields<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
            let _ = match field.name() {
                "message" => write!(self.0, " {value:?}"),
                name => write!(self.0, " {name}={value:?}"),
            };
        }
    }

    /// The events `f` raises on this thread.
    fn events(f: impl FnOnce()) -> Vec<String> {
        let capture = Capture::default();
        tracing::subscriber::with_default(capture.clone(), f);
        let lines = capture.0.lock().unwrap().clone();
        lines
    }

    /// What the feature decides: the events given, or none at all.
    fn expected(lines: &[&str]) -> Vec<String> {
        match cfg!(feature = "tracing-events") {
            true => lines.iter().map(|l| (*l).to_owned()).collect(),
            false => Vec::new(),
        }
    }

    #[test]
    fn a_refused_declaration_is_an_error_naming_it() {
        let error = RegistryError::Duplicate {
            name: "jobs_total".to_owned(),
            first: "app::a".to_owned(),
            second: "app::b".to_owned(),
        };
        assert_eq!(
            events(|| declaration_refused(&error)),
            expected(&[
                "ERROR tallymark: a declaration is left out of the global catalog \
                        error=metric `jobs_total` is declared twice: in `app::a` and in `app::b`"
            ])
        );
        let invalid = RegistryError::InvalidName(NameError {
            name: "2xx".to_owned(),
            reason: "a name cannot start with a digit",
        });
        assert_eq!(
            events(|| declaration_refused(&invalid)),
            expected(&[
                "ERROR tallymark: a declaration is left out of the global catalog \
                        error=invalid name `2xx`: a name cannot start with a digit"
            ])
        );
    }

    #[test]
    fn an_overflow_is_a_warning_naming_the_family_and_its_budget() {
        assert_eq!(
            events(|| overflow("logins_total", 1000)),
            expected(&[
                "WARN tallymark: label sets exceed the family's cardinality budget; \
                        new ones fold into its overflow series family=\"logins_total\" budget=1000"
            ])
        );
    }

    #[test]
    fn a_failing_and_a_recovered_remote_write_name_the_receiver() {
        let url = "http://127.0.0.1:9/api/v1/write";
        let error = "http://127.0.0.1:9/api/v1/write answered 503: busy";
        assert_eq!(
            events(|| {
                remote_write_failing(url, &error);
                remote_write_recovered(url);
            }),
            expected(&[
                "WARN tallymark: remote write failing; retrying with backoff \
                 url=\"http://127.0.0.1:9/api/v1/write\" \
                 error=http://127.0.0.1:9/api/v1/write answered 503: busy",
                "INFO tallymark: remote write recovered url=\"http://127.0.0.1:9/api/v1/write\"",
            ])
        );
    }

    #[test]
    fn a_failing_and_a_recovered_otlp_export_name_the_receiver() {
        let url = "http://127.0.0.1:9/v1/metrics";
        let error = "http://127.0.0.1:9/v1/metrics answered 503: busy";
        assert_eq!(
            events(|| {
                otlp_export_failing(url, &error);
                otlp_export_recovered(url);
            }),
            expected(&[
                "WARN tallymark: OTLP export failing; retrying with backoff \
                 url=\"http://127.0.0.1:9/v1/metrics\" \
                 error=http://127.0.0.1:9/v1/metrics answered 503: busy",
                "INFO tallymark: OTLP export recovered url=\"http://127.0.0.1:9/v1/metrics\"",
            ])
        );
    }
}
