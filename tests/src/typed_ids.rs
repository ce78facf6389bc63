//! Identifiers are typed: each kind of path parameter has its own newtype, so arguments in
//! the wrong order, or a plain string, do not compile.
//!
//! In order, with identifiers taken from the API's own responses:
//!
//! ```no_run
//! use cloudflare_client_certificates::models::{CreateClientCertificateRequest, ZoneId};
//! use cloudflare_client_certificates::{Client, Error};
//!
//! async fn lifecycle(client: &Client, csr: String) -> Result<(), Error> {
//!     let zone = ZoneId::new("023e105f4ecef8ad9ca31a8372d0c353");
//!     let certs = client.client_certificates();
//!     let body = CreateClientCertificateRequest { csr, validity_days: 365 };
//!     let created = certs.create(&zone, body).await?;
//!     let fetched = certs.get(&zone, &created.id).await?;
//!     assert_eq!(fetched.id, created.id);
//!     certs.delete(&zone, &fetched.id).await?;
//!     Ok(())
//! }
//! ```
//!
//! Swapped, the zone and the certificate do not compile:
//!
//! ```compile_fail,E0308
//! use cloudflare_client_certificates::models::{ClientCertificateId, ZoneId};
//! use cloudflare_client_certificates::{Client, Error};
//!
//! async fn swapped(client: &Client, zone: ZoneId, cert: ClientCertificateId) -> Result<(), Error> {
//!     client.client_certificates().get(&cert, &zone).await?;
//!     Ok(())
//! }
//! ```
//!
//! Nor does a plain string where an identifier goes:
//!
//! ```compile_fail,E0308
//! use cloudflare_client_certificates::models::ClientCertificateId;
//! use cloudflare_client_certificates::{Client, Error};
//!
//! async fn untyped(client: &Client, cert: ClientCertificateId) -> Result<(), Error> {
//!     client.client_certificates().get("023e105f4ecef8ad9ca31a8372d0c353", &cert).await?;
//!     Ok(())
//! }
//! ```
//!
//! A certificate's status converts into the list filter that accepts it:
//!
//! ```
//! use cloudflare_client_certificates::models::{
//!     ClientCertificateStatus, ClientCertificateStatusFilter,
//! };
//!
//! let filter: ClientCertificateStatusFilter = ClientCertificateStatus::PendingRevocation.into();
//! assert_eq!(filter, ClientCertificateStatusFilter::PendingRevocation);
//! let unknown: ClientCertificateStatusFilter =
//!     ClientCertificateStatus::Unknown("paused".into()).into();
//! assert_eq!(unknown.as_str(), "paused");
//! ```
