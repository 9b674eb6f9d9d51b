//! Every problem `ficbind check` reports, with its stable code, its severity and the
//! EPUBCheck message it corresponds to. `docs/check.md` lists the same table.

/// How bad a problem is. Both make `ficbind check` exit 1: a warning is something a
/// reading system may get wrong, an error something the EPUB standard forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

macro_rules! codes {
    ($($variant:ident => $code:literal, $severity:ident, $epubcheck:expr, $what:literal;)*) => {
        /// What kind of problem it is.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// ficbind's own name for it, stable from version to version.
            pub fn name(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }

            /// The EPUBCheck message ID of the same problem, where there is one.
            pub fn epubcheck(self) -> Option<&'static str> {
                match self {
                    $(Code::$variant => $epubcheck,)*
                }
            }

            /// What it means, in a line.
            pub fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => $what,)*
                }
            }
        }
    };
}

codes! {
    // The archive.
    NotZip => "not-zip", Error, Some("PKG-008"), "the file is not a zip archive that can be read";
    Refused => "refused", Error, None, "the archive could harm the machine reading it (a bomb, a name leaving the folder, too many entries), so it was not read further";
    DuplicateEntry => "duplicate-entry", Error, Some("OPF-060"), "two archive entries have the same name";
    CaseCollision => "case-collision", Error, Some("OPF-060"), "two entry names differ only by case, and collide on FAT and Windows";
    ForbiddenCharacter => "forbidden-character", Error, Some("PKG-009"), "an entry name holds a character OCF forbids";
    NameNotUtf8 => "name-not-utf8", Error, Some("PKG-027"), "an entry name is not UTF-8";
    MimetypeMissing => "mimetype-missing", Error, Some("PKG-006"), "there is no `mimetype` entry, or it is not first";
    MimetypeWrong => "mimetype-wrong", Error, Some("PKG-007"), "`mimetype` is compressed or does not say application/epub+zip";
    MimetypeExtraField => "mimetype-extra-field", Error, Some("PKG-005"), "`mimetype` has an extra field in its zip header";
    EntryUnreadable => "entry-unreadable", Error, Some("PKG-008"), "an entry cannot be inflated, or its bytes do not match its CRC";
    ContainerMissing => "container-missing", Error, Some("RSC-002"), "there is no META-INF/container.xml";
    ContainerInvalid => "container-invalid", Error, Some("RSC-005"), "META-INF/container.xml (or another META-INF file) breaks its schema";
    RootfileMissing => "rootfile-missing", Error, Some("OPF-002"), "the package document container.xml names is not in the archive";
    MultiplePackages => "multiple-packages", Error, Some("PKG-013"), "an EPUB 2 container names more than one package document";
    RootfileMediaType => "rootfile-media-type", Error, Some("RSC-003"), "no rootfile has the package document's media type";
    ResourceInMetaInf => "resource-in-meta-inf", Error, Some("PKG-025"), "a publication resource is inside META-INF";
    ObfuscatedNotFont => "obfuscated-not-font", Error, Some("PKG-026"), "an obfuscated resource is not a font of a core media type";
    // XML.
    Malformed => "malformed", Error, Some("RSC-016"), "a document is not well-formed XML";
    ExternalIdentifier => "external-identifier", Error, Some("OPF-073"), "a DOCTYPE has an external identifier a publication may not use";
    DuplicateId => "duplicate-id", Error, Some("RSC-005"), "two elements of one document have the same id";
    InvalidId => "invalid-id", Error, Some("RSC-005"), "an id is not a valid XML name";
    UnknownElement => "unknown-element", Error, Some("RSC-005"), "an XHTML document holds an element HTML does not define";
    BadNesting => "bad-nesting", Error, Some("RSC-005"), "an element is inside one it may not be inside (a `dfn` in a `dfn`, an `a` in an `a`)";
    LangMismatch => "lang-mismatch", Error, Some("RSC-005"), "`lang` and `xml:lang` differ on one element";
    // The package document.
    VersionMissing => "version-missing", Error, Some("OPF-001"), "the package has no valid version";
    MetadataMissing => "metadata-missing", Error, Some("RSC-005"), "required metadata is missing (title, identifier, language, modified date)";
    UniqueIdentifier => "unique-identifier", Error, Some("OPF-030"), "`unique-identifier` names no dc:identifier";
    BadLanguage => "bad-language", Error, Some("OPF-092"), "a language is not a well-formed BCP 47 tag";
    BadModified => "bad-modified", Error, Some("RSC-005"), "dcterms:modified is not of the form CCYY-MM-DDThh:mm:ssZ";
    PackageInvalid => "package-invalid", Error, Some("RSC-005"), "the package document breaks its schema (an attribute or element that is not allowed)";
    ManifestFileMissing => "manifest-file-missing", Error, Some("RSC-001"), "a manifest item's file is not in the archive";
    ManifestDuplicate => "manifest-duplicate", Error, Some("OPF-074"), "two manifest items name one file";
    ManifestSelf => "manifest-self", Error, Some("OPF-099"), "the manifest lists the package document itself";
    UnknownProperty => "unknown-property", Error, Some("OPF-027"), "a manifest item has a property EPUB does not define";
    PropertyMissing => "property-missing", Error, Some("OPF-014"), "a document uses scripts, SVG, MathML, switch or remote resources without saying so in the manifest";
    PropertyUnneeded => "property-unneeded", Error, Some("OPF-015"), "a manifest property claims a feature the document does not use";
    NavMissing => "nav-missing", Error, Some("RSC-005"), "no manifest item, or more than one, is the navigation document";
    NavNotXhtml => "nav-not-xhtml", Error, Some("OPF-012"), "a navigation property is on an item that is not XHTML";
    TocMissing => "toc-missing", Error, Some("RSC-005"), "the book has no table of contents (EPUB 3 nav, or EPUB 2 NCX)";
    TocEmpty => "toc-empty", Error, Some("RSC-005"), "the table of contents has no entry";
    SpineEmpty => "spine-empty", Error, Some("RSC-005"), "the spine is empty";
    SpineUnknownItem => "spine-unknown-item", Error, Some("OPF-049"), "the spine names an id the manifest does not have";
    SpineRepeated => "spine-repeated", Error, Some("OPF-034"), "the spine lists one item twice";
    SpineNotContent => "spine-not-content", Error, Some("OPF-043"), "a spine item is not a content document and has no fallback to one";
    NonlinearUnreachable => "nonlinear-unreachable", Error, Some("OPF-096"), "a `linear=\"no\"` item is linked from nowhere";
    FallbackMissing => "fallback-missing", Error, Some("OPF-040"), "a manifest fallback names an id that does not exist";
    FallbackCircular => "fallback-circular", Error, Some("OPF-045"), "manifest fallbacks go round in a circle";
    GuideNotInManifest => "guide-not-in-manifest", Error, Some("OPF-031"), "a guide reference points at a file the manifest does not list";
    GuideNotContent => "guide-not-content", Error, Some("OPF-032"), "a guide reference points at something that is not a content document";
    LinkMediaType => "link-media-type", Error, Some("OPF-093"), "a package `link` to a file in the book has no media-type";
    NcxUid => "ncx-uid", Error, Some("NCX-001"), "the NCX `dtb:uid` is not the book's unique identifier";
    NcxInvalid => "ncx-invalid", Error, Some("RSC-005"), "the NCX breaks its schema";
    CoverInvalid => "cover-invalid", Error, Some("OPF-012"), "the cover named by the package is not an image";
    // Resources.
    MediaTypeMismatch => "media-type-mismatch", Error, Some("OPF-029"), "a resource's bytes are not of the media type the manifest declares";
    ImageCorrupt => "image-corrupt", Error, Some("MED-004"), "an image's bytes cannot be decoded";
    ForeignNoFallback => "foreign-no-fallback", Error, Some("RSC-032"), "a resource that is not a core media type is used without a fallback";
    PictureForeign => "picture-foreign", Error, Some("MED-003"), "a `picture` element's `img` uses a resource that is not a core media type";
    PictureSourceType => "picture-source-type", Error, Some("MED-007"), "a `picture` `source` of a foreign resource has no `type`";
    // References.
    LinkMissingResource => "link-missing-resource", Error, Some("RSC-007"), "a reference points at a file that is not in the book";
    LinkUndeclared => "link-undeclared", Error, Some("RSC-008"), "a reference points at a resource the manifest does not list";
    LinkMissingFragment => "link-missing-fragment", Error, Some("RSC-012"), "a link points at an id the target document does not have";
    LinkNotContent => "link-not-content", Error, Some("RSC-010"), "a hyperlink or contents entry points at something that is not a content document";
    LinkNotInSpine => "link-not-in-spine", Error, Some("RSC-011"), "a hyperlink points at a document outside the reading order";
    LinkLeaves => "link-leaves", Error, Some("RSC-026"), "a reference points outside the book";
    LinkFileUrl => "link-file-url", Error, Some("RSC-030"), "a reference uses a file: URL";
    StylesheetFragment => "stylesheet-fragment", Error, Some("RSC-013"), "a stylesheet link has a fragment";
    SvgFragmentLink => "svg-fragment-link", Error, Some("RSC-014"), "a hyperlink points into an SVG symbol or other non-linkable element";
    SvgUseNoFragment => "svg-use-no-fragment", Error, Some("RSC-015"), "an SVG `use` does not point at an element";
    RemoteForbidden => "remote-forbidden", Error, Some("RSC-006"), "a remote resource is used where only a resource inside the book is allowed";
    NavUntyped => "nav-untyped", Error, Some("RSC-005"), "a `nav` of a navigation document has no `epub:type`";
    RegionNavNotFixed => "region-nav-not-fixed", Error, Some("NAV-009"), "region-based navigation points at a page that is not fixed-layout";
    RegionNavElement => "region-nav-element", Error, Some("HTM-052"), "region-based navigation is on an element other than `nav`";
    NavRemote => "nav-remote", Error, Some("NAV-010"), "a contents, landmarks or page-list entry points outside the book";
    // Media overlays.
    OverlayNotDeclared => "overlay-not-declared", Error, Some("MED-010"), "a document an overlay reads has no media-overlay attribute";
    OverlayTwice => "overlay-twice", Error, Some("MED-011"), "a document is read by more than one overlay";
    OverlayWrong => "overlay-wrong", Error, Some("MED-012"), "a document's media-overlay attribute names another overlay than the one reading it";
    OverlayUnused => "overlay-unused", Error, Some("MED-013"), "a document's overlay does not read it";
    OverlayNoStyle => "overlay-no-style", Error, Some("CSS-030"), "the package names an active class for overlays, but a document they read has no CSS";
    // CSS.
    CssSyntax => "css-syntax", Error, Some("CSS-008"), "a stylesheet has a syntax error";
    CssForbidden => "css-forbidden", Error, Some("CSS-001"), "a stylesheet uses `direction` or `unicode-bidi`, which EPUB forbids";
    CssEmptyUrl => "css-empty-url", Error, Some("CSS-002"), "a `@font-face` has an empty URL";
    CssEncoding => "css-encoding", Error, Some("CSS-004"), "a stylesheet is not in UTF-8 or UTF-16";
    // Fixed layout.
    ViewportMissing => "viewport-missing", Error, Some("HTM-046"), "a fixed-layout XHTML document has no viewport";
    ViewportSyntax => "viewport-syntax", Error, Some("HTM-047"), "a fixed-layout viewport cannot be read";
    SvgNoViewbox => "svg-no-viewbox", Error, Some("HTM-048"), "a fixed-layout SVG has no viewBox";
    ViewportDimension => "viewport-dimension", Error, Some("HTM-056"), "a fixed-layout viewport lacks its width or height";
    ViewportValue => "viewport-value", Error, Some("HTM-057"), "a fixed-layout viewport's width or height is not a number of pixels";
    ViewportRepeated => "viewport-repeated", Error, Some("HTM-059"), "a fixed-layout viewport gives its width or height twice";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let name = code.name();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()),
                "{name}"
            );
        }
    }
}
