//! The trace id that `#[timed]` and `#[counted]` attach as an exemplar: the OpenTelemetry
//! trace of the current `tracing` span, when a `tracing-opentelemetry` layer gives it one.
//! Without the `tracing` feature there is never one, and recording does no extra work.

/// The label an attached trace id goes under, as Prometheus and Grafana expect it.
pub const TRACE_ID_LABEL: &str = "trace_id";

/// A trace id as 32 lower-case hex digits, kept on the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceId([u8; 32]);

impl TraceId {
    /// The id's text.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    #[cfg(feature = "tracing")]
    fn from_u128(id: u128) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; 32];
        for (i, digit) in text.iter_mut().enumerate() {
            let nibble = (id >> (124 - 4 * i)) & 0xf;
            *digit = HEX[nibble as usize];
        }
        TraceId(text)
    }
}

/// The trace id of the current span, if it belongs to a sampled OpenTelemetry trace.
#[cfg(feature = "tracing")]
pub fn current_trace_id() -> Option<TraceId> {
    use opentelemetry::trace::TraceContextExt;
    use tracing_opentelemetry::OpenTelemetrySpanExt;

    let span = tracing::Span::current();
    if span.is_disabled() {
        return None;
    }
    let context = span.context();
    let span_context = context.span().span_context().clone();
    span_context
        .is_valid()
        .then(|| TraceId::from_u128(u128::from_be_bytes(span_context.trace_id().to_bytes())))
}

/// Without the `tracing` feature there is no current trace.
#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub fn current_trace_id() -> Option<TraceId> {
    None
}

#[cfg(all(test, feature = "tracing"))]
mod tests {
    use super::TraceId;

    #[test]
    fn trace_ids_are_32_lower_case_hex_digits() {
        let id = TraceId::from_u128(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736);
        assert_eq!(id.as_str(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(
            TraceId::from_u128(1).as_str(),
            "00000000000000000000000000000001"
        );
    }
}
