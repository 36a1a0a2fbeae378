//! Times as X.509 wants them.

use std::time::SystemTime;

use der::asn1::{GeneralizedTime, UtcTime};
use der::DateTime;
use x509_cert::time::Time;

/// `Time` for a certificate or CRL: UTCTime through 2049, GeneralizedTime from 2050
/// (RFC 5280 §4.1.2.5, §5.1.2.4). Sub-second precision is dropped.
pub fn x509_time(t: SystemTime) -> Result<Time, der::Error> {
    let dt = DateTime::from_system_time(t)?;
    if dt.year() < 2050 {
        Ok(Time::UtcTime(UtcTime::from_date_time(dt)?))
    } else {
        Ok(Time::GeneralTime(GeneralizedTime::from_date_time(dt)))
    }
}

/// GeneralizedTime without fractions (RFC 5280 §4.1.2.5.2, RFC 6960 §4.2.2.1).
pub fn generalized_time(t: SystemTime) -> Result<GeneralizedTime, der::Error> {
    GeneralizedTime::from_system_time(t)
}

/// 9999-12-31T23:59:59Z: the nextUpdate of a CA's last CRL (EN 319 411-1 CSS-6.3.9-06).
pub fn end_of_time() -> GeneralizedTime {
    GeneralizedTime::from_date_time(DateTime::INFINITY)
}
