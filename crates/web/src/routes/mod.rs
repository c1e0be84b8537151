pub mod admin;
pub mod auth;
pub mod entities;
pub mod health;
pub mod units;
