//! When a point of contact's desk can act on a request.
//!
//! The G8 asked for a desk reachable twenty-four hours a day; many are staffed
//! in office hours only, with an on-call officer or nobody outside them. Desk
//! hours are in the country's local time, so a Friday-evening request to an
//! office-hours desk waits for Monday morning there.

use crate::constraint::{self, Invalid};
use crate::{Distribution, SimTime};
use jiff::{Timestamp, tz::TimeZone};
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone, PartialEq)]
pub enum Staffing {
    /// A desk staffed 24 hours a day, 7 days a week (Action Plan 1, Budapest Art. 35).
    AroundTheClock,
    OfficeHours(OfficeHours),
}

/// A staffed interval of the day, in minutes after local midnight;
/// `opens_minute < closes_minute <= 1440`, kept by [`Shift::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shift {
    opens_minute: u32,
    closes_minute: u32,
}

impl Shift {
    pub fn new(opens_minute: u32, closes_minute: u32) -> Result<Shift, Invalid> {
        if opens_minute >= closes_minute || closes_minute > 24 * 60 {
            return Err(Invalid(format!(
                "a shift must open before it closes, within the day (got minutes {opens_minute}-{closes_minute})"
            )));
        }
        Ok(Shift { opens_minute, closes_minute })
    }

    pub fn opens_minute(self) -> u32 {
        self.opens_minute
    }

    pub fn closes_minute(self) -> u32 {
        self.closes_minute
    }
}

/// The ISO weekday names, Monday first: scenarios, reports and charts all use these.
pub const WEEKDAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Weekly opening hours in local time: one or more shifts on the open days.
/// [`OfficeHours::new`] keeps the invariants the next-opening search relies on.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeHours {
    /// Sorted, never empty.
    shifts: Vec<Shift>,
    /// ISO weekdays the desk opens, 1 = Monday ... 7 = Sunday; sorted, never empty.
    weekdays: Vec<u8>,
    /// How long an on-call officer takes to pick up a request outside hours;
    /// `None` means requests wait for the next opening.
    on_call: Option<Distribution>,
    /// Local dates on which the desk stays closed all day.
    holidays: Vec<jiff::civil::Date>,
}

/// The scenario's epoch and a country's zone: what turns simulated time into local time.
#[derive(Debug, Clone)]
pub struct LocalClock {
    pub epoch: Timestamp,
    pub time_zone: TimeZone,
}

impl LocalClock {
    pub fn local(&self, at: SimTime) -> jiff::ZonedDateTime {
        let ts = self.epoch.checked_add(jiff::SignedDuration::from_millis(at.ms())).unwrap_or(self.epoch);
        ts.to_zoned_datetime(self.time_zone.clone())
    }

    fn to_sim(&self, zoned: &jiff::ZonedDateTime) -> SimTime {
        SimTime(zoned.timestamp().as_millisecond() - self.epoch.as_millisecond())
    }
}

impl Staffing {
    /// When an officer starts on a request that reaches the desk at `now`;
    /// the desk's handling time comes on top. Draws from `rng` only for an
    /// on-call answer.
    pub fn officer_available(&self, now: SimTime, clock: &LocalClock, rng: &mut ChaCha8Rng) -> SimTime {
        match self {
            Staffing::AroundTheClock => now,
            Staffing::OfficeHours(hours) => {
                if hours.is_open(now, clock) {
                    now
                } else if let Some(on_call) = &hours.on_call {
                    // Whoever comes first: the on-call officer, or the desk opening.
                    now.plus_ms(on_call.sample(rng)).min(hours.next_opening(now, clock))
                } else {
                    hours.next_opening(now, clock)
                }
            }
        }
    }
}

impl OfficeHours {
    pub fn new(
        mut shifts: Vec<Shift>,
        mut weekdays: Vec<u8>,
        on_call: Option<Distribution>,
        mut holidays: Vec<jiff::civil::Date>,
    ) -> Result<OfficeHours, Invalid> {
        if shifts.is_empty() || shifts.len() > constraint::MAX_SHIFTS {
            return Err(Invalid(format!("office hours need from 1 to {} shifts a day", constraint::MAX_SHIFTS)));
        }
        if weekdays.is_empty() || weekdays.iter().any(|d| !(1..=7).contains(d)) {
            return Err(Invalid("office hours need at least one ISO weekday, 1 (Monday) to 7 (Sunday)".to_owned()));
        }
        if holidays.len() > constraint::MAX_HOLIDAYS {
            return Err(Invalid(format!(
                "{} holidays is more than a year of them (at most {})",
                holidays.len(),
                constraint::MAX_HOLIDAYS
            )));
        }
        if let Some(law) = &on_call {
            law.validate().map_err(Invalid)?;
        }
        shifts.sort();
        weekdays.sort_unstable();
        weekdays.dedup();
        holidays.sort();
        holidays.dedup();
        Ok(OfficeHours { shifts, weekdays, on_call, holidays })
    }

    pub fn shifts(&self) -> &[Shift] {
        &self.shifts
    }

    pub fn weekdays(&self) -> &[u8] {
        &self.weekdays
    }

    pub fn on_call(&self) -> Option<&Distribution> {
        self.on_call.as_ref()
    }

    pub fn holidays(&self) -> &[jiff::civil::Date] {
        &self.holidays
    }

    /// The same hours, closed on `holidays` as well.
    pub fn with_holidays(self, holidays: Vec<jiff::civil::Date>) -> Result<OfficeHours, Invalid> {
        OfficeHours::new(self.shifts, self.weekdays, self.on_call, holidays)
    }

    pub fn is_open(&self, at: SimTime, clock: &LocalClock) -> bool {
        let local = clock.local(at);
        let minute = u32::from(local.hour() as u8) * 60 + u32::from(local.minute() as u8);
        self.opens_on(local.date()) && self.shifts.iter().any(|s| (s.opens_minute..s.closes_minute).contains(&minute))
    }

    fn opens_on(&self, date: jiff::civil::Date) -> bool {
        self.weekdays.contains(&(date.weekday().to_monday_one_offset() as u8)) && !self.holidays.contains(&date)
    }

    /// The first opening strictly after `after`, searched over the next 400
    /// days: a weekly schedule opens within a week, and the constructor
    /// allows at most a year of holidays, so one is always found.
    pub fn next_opening(&self, after: SimTime, clock: &LocalClock) -> SimTime {
        let today = clock.local(after).date();
        for offset in 0..400 {
            let Ok(day) = today.checked_add(jiff::Span::new().days(offset)) else { break };
            if !self.opens_on(day) {
                continue;
            }
            for shift in &self.shifts {
                let (hour, minute) = ((shift.opens_minute / 60) as i8, (shift.opens_minute % 60) as i8);
                let Ok(opening) = day.at(hour, minute, 0, 0).to_zoned_datetime(clock.time_zone.clone()) else {
                    continue;
                };
                let opening = clock.to_sim(&opening);
                if opening > after {
                    return opening;
                }
            }
        }
        unreachable!("OfficeHours::new bounds holidays, so a weekly schedule opens within 400 days")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn paris_clock() -> LocalClock {
        // 2026-03-06 is a Friday; epoch at local midnight in Paris (UTC+1).
        LocalClock { epoch: "2026-03-05T23:00:00Z".parse().unwrap(), time_zone: TimeZone::get("Europe/Paris").unwrap() }
    }

    fn office(on_call: Option<Distribution>) -> Staffing {
        Staffing::OfficeHours(
            OfficeHours::new(vec![Shift::new(9 * 60, 17 * 60).unwrap()], vec![1, 2, 3, 4, 5], on_call, Vec::new())
                .unwrap(),
        )
    }

    const H: i64 = crate::time::HOUR_MS;

    #[test]
    fn friday_evening_waits_for_monday_morning_local_time() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let friday_19h = SimTime(19 * H);
        let monday_9h = SimTime(3 * 24 * H + 9 * H);
        assert_eq!(office(None).officer_available(friday_19h, &paris_clock(), &mut rng), monday_9h);
    }

    #[test]
    fn on_call_never_answers_later_than_the_desk_opening() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        // Monday 08:30 in Paris (07:30 UTC), the desk opens at 09:00; on call takes 4h.
        let monday_0830 = SimTime(7 * H + 30 * 60_000);
        let slow_on_call = office(Some(Distribution::Fixed { ms: 4 * H }));
        let without = office(None);
        let opening = without.officer_available(monday_0830, &paris_clock(), &mut rng);
        assert_eq!(slow_on_call.officer_available(monday_0830, &paris_clock(), &mut rng), opening);
    }

    #[test]
    fn open_desk_and_24_7_desk_start_at_once_and_on_call_answers_out_of_hours() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let friday_10h = SimTime(10 * H);
        assert_eq!(office(None).officer_available(friday_10h, &paris_clock(), &mut rng), friday_10h);
        let saturday_3h = SimTime(27 * H);
        assert_eq!(Staffing::AroundTheClock.officer_available(saturday_3h, &paris_clock(), &mut rng), saturday_3h);
        let on_call = office(Some(Distribution::Fixed { ms: 2 * H }));
        assert_eq!(on_call.officer_available(saturday_3h, &paris_clock(), &mut rng), SimTime(29 * H));
    }

    #[test]
    fn a_holiday_keeps_the_desk_closed_until_the_next_working_day() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let Staffing::OfficeHours(hours) = office(None) else { unreachable!() };
        let hours = hours.with_holidays(vec![jiff::civil::date(2026, 3, 9)]).unwrap(); // Monday
        let friday_19h = SimTime(19 * H);
        let tuesday_9h = SimTime(4 * 24 * H + 9 * H);
        let staffing = Staffing::OfficeHours(hours);
        assert_eq!(staffing.officer_available(friday_19h, &paris_clock(), &mut rng), tuesday_9h);
        assert!(
            !matches!(&staffing, Staffing::OfficeHours(h) if h.is_open(SimTime(3 * 24 * H + 10 * H), &paris_clock()))
        );
    }
}
