//! Which series each call site writes, decided once for the whole program: a site's
//! `function` label is the name its macro gave it, unless methods of annotated `impl`
//! blocks share that name in one module, in which case each of them takes its qualified
//! name (`<Frame as fmt::Display>::fmt` and `<Frame as fmt::Debug>::fmt`). Sites still
//! left with one name in one module (methods annotated alone, or one `function = ".."`
//! given twice) write one series together, and each such series is reported once.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::descriptor::Descriptor;
use crate::instrument::site::{
    Callee, CountedSite, InFlightSite, SiteRegistration, TimedSite, CALLS, CONCURRENT, DURATIONS,
};
use crate::registry::{CatalogWarning, SourceLocation};

/// A call site and the `function` label it writes.
pub(crate) struct Named<S: 'static> {
    pub(crate) function: &'static str,
    pub(crate) site: &'static S,
}

impl<S: HasCallee> Named<S> {
    fn key(&self) -> (&'static str, &'static str, &'static str, u32) {
        let callee = self.site.callee();
        (self.function, callee.module, callee.file, callee.line)
    }
}

pub(crate) trait HasCallee {
    fn callee(&self) -> &Callee;
}

impl HasCallee for CountedSite {
    fn callee(&self) -> &Callee {
        &self.callee
    }
}

impl HasCallee for TimedSite {
    fn callee(&self) -> &Callee {
        &self.callee
    }
}

impl HasCallee for InFlightSite {
    fn callee(&self) -> &Callee {
        &self.callee
    }
}

/// The registered sites of each kind, sorted by the series they write, then by where they
/// are written; gathered once, since the set is fixed before `main`.
pub(crate) struct Sites {
    pub(crate) counted: Vec<Named<CountedSite>>,
    pub(crate) timed: Vec<Named<TimedSite>>,
    pub(crate) in_flight: Vec<Named<InFlightSite>>,
}

pub(crate) fn sites() -> &'static Sites {
    static SITES: OnceLock<Sites> = OnceLock::new();
    SITES.get_or_init(|| {
        let (mut counted, mut timed, mut in_flight) = (Vec::new(), Vec::new(), Vec::new());
        for registration in inventory::iter::<SiteRegistration> {
            match registration {
                SiteRegistration::Counted(s) => counted.push(*s),
                SiteRegistration::Timed(s) => timed.push(*s),
                SiteRegistration::InFlight(s) => in_flight.push(*s),
            }
        }
        // Decided over all three kinds at once, so that a function's counts, durations
        // and running calls carry one `function` label, which dashboards join on.
        let callees = counted
            .iter()
            .map(|s| &s.callee)
            .chain(timed.iter().map(|s| &s.callee))
            .chain(in_flight.iter().map(|s| &s.callee));
        let qualified = shared_labels(callees);
        Sites {
            counted: named(counted, &qualified),
            timed: named(timed, &qualified),
            in_flight: named(in_flight, &qualified),
        }
    })
}

/// The `(function, module)` labels that callees with different qualified names share: those
/// take their qualified names instead.
fn shared_labels<'c>(
    callees: impl Iterator<Item = &'c Callee>,
) -> HashSet<(&'static str, &'static str)> {
    let mut qualified: HashMap<(&'static str, &'static str), &'static str> = HashMap::new();
    let mut shared = HashSet::new();
    for callee in callees {
        let label = (callee.function, callee.module);
        match qualified.get(&label) {
            Some(&first) if first != callee.qualified => {
                shared.insert(label);
            }
            Some(_) => {}
            None => {
                qualified.insert(label, callee.qualified);
            }
        }
    }
    shared
}

/// Gives each site its label: its qualified name where `shared` says its plain label is
/// shared by functions that the qualified names tell apart, its plain label elsewhere.
fn named<S: HasCallee>(
    sites: Vec<&'static S>,
    shared: &HashSet<(&'static str, &'static str)>,
) -> Vec<Named<S>> {
    let mut named: Vec<Named<S>> = sites
        .into_iter()
        .map(|site| {
            let callee = site.callee();
            let function = match shared.contains(&(callee.function, callee.module)) {
                true => callee.qualified,
                false => callee.function,
            };
            Named { function, site }
        })
        .collect();
    named.sort_by_key(Named::key);
    named
}

/// The sites that write one series, adjacent once sorted: usually one, and more when
/// several functions resolve to one name in one module.
pub(crate) fn by_series<S: HasCallee>(sites: &[Named<S>]) -> impl Iterator<Item = &[Named<S>]> {
    sites.chunk_by(|a, b| {
        a.function == b.function && a.site.callee().module == b.site.callee().module
    })
}

/// Every series of a default family that more than one function writes, reported once
/// each in [`Registry::catalog_warnings`](crate::Registry::catalog_warnings).
pub(crate) fn merged_call_sites() -> Vec<CatalogWarning> {
    fn merged<S: HasCallee>(
        attribute: &'static str,
        family: &'static Descriptor,
        sites: &[Named<S>],
        out: &mut Vec<CatalogWarning>,
    ) {
        for group in by_series(sites).filter(|g| g.len() > 1) {
            let mut locations: Vec<SourceLocation> = group
                .iter()
                .map(|s| SourceLocation {
                    file: s.site.callee().file,
                    line: s.site.callee().line,
                })
                .collect();
            locations.sort();
            out.push(CatalogWarning::MergedCallSites {
                attribute,
                family: family.name(),
                function: group[0].function,
                module: group[0].site.callee().module,
                locations,
            });
        }
    }
    let sites = sites();
    let mut warnings = Vec::new();
    merged("counted", &CALLS, &sites.counted, &mut warnings);
    merged("timed", &DURATIONS, &sites.timed, &mut warnings);
    merged("in_flight", &CONCURRENT, &sites.in_flight, &mut warnings);
    warnings
}
