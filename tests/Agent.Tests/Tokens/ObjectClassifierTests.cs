using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Agent.Pkcs11;
using Qtsp.Agent.Tokens;
using Qtsp.Shared.Bridge;
using static Qtsp.Agent.Tests.Tokens.TokenObjects;

namespace Qtsp.Agent.Tests.Tokens;

/// <summary>How the raw objects of a token become certificates and keys a holder recognises.</summary>
public sealed class ObjectClassifierTests
{
    // RSA key generation is the slow part of these tests: two keys serve them all (never disposed; process lifetime).
    private static readonly RSA RsaKey1 = RSA.Create(2048);
    private static readonly RSA RsaKey2 = RSA.Create(2048);

    [Fact]
    public void A_key_and_a_certificate_with_the_same_id_belong_together()
    {
        var key = RsaKey1;
        using var certificate = SelfSigned(RsaKey2, "CN=Jan Novak"); // the id alone decides here

        var (certificates, keys) = ObjectClassifier.Classify(
        [
            RsaKey(CKO.CKO_PRIVATE_KEY, "Jan Novak", "01", key),
            Certificate("Jan Novak", "01", certificate.RawData),
        ]);

        certificates.ShouldHaveSingleItem().HasPrivateKey.ShouldBeTrue();
        keys.ShouldHaveSingleItem().Role.ShouldBe(KeyRole.Certified);
    }

    [Fact]
    public void Without_a_common_id_an_rsa_key_pairs_by_modulus_even_with_a_leading_zero()
    {
        var key = RsaKey1;
        using var certificate = SelfSigned(key, "CN=Jan Novak");

        var (certificates, keys) = ObjectClassifier.Classify(
        [
            RsaKey(CKO.CKO_PRIVATE_KEY, "key", "0A", key, leadingZero: true),
            Certificate("certificate", "0B", certificate.RawData),
        ]);

        certificates.ShouldHaveSingleItem().HasPrivateKey.ShouldBeTrue();
        keys.ShouldHaveSingleItem().Role.ShouldBe(KeyRole.Certified);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Without_a_common_id_an_ec_key_pairs_by_its_point_wrapped_or_raw(bool derWrapped)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = SelfSigned(key, "CN=Jan Novak");

        var (certificates, keys) = ObjectClassifier.Classify(
        [
            EcKey(CKO.CKO_PUBLIC_KEY, "key", "0A", key, derWrapped),
            EcKey(CKO.CKO_PRIVATE_KEY, "key", "0A", key, derWrapped),
            Certificate("certificate", "0B", certificate.RawData),
        ]);

        certificates.ShouldHaveSingleItem().HasPrivateKey.ShouldBeTrue();
        keys.Count.ShouldBe(2);
        keys.ShouldAllBe(k => k.Role == KeyRole.Certified);
    }

    [Fact]
    public void A_raw_ec_point_that_also_parses_as_a_der_octet_string_still_pairs()
    {
        // X starts with 3F 02: the raw point 04 3F 02 … reads as a well-formed OCTET STRING of 63 bytes starting
        // with 02 (a "compressed point"), so unwrapping alone would mangle it. Found by search, fixed here.
        using var key = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            D = Convert.FromHexString("faa082d86e07509c2787fff5b6f09c511abdb864b18c2650fff03525696293d6"),
            Q = new ECPoint
            {
                X = Convert.FromHexString("3f027adf3291c4b49d2b5d39f4a9f94a1a5009e87351733d2341ce7aa71607bf"),
                Y = Convert.FromHexString("988dc3cc40285cdc39617a6ee8afd621c8bf085d1147661c1e93d2b6f8aac10c"),
            },
        });
        using var certificate = SelfSigned(key, "CN=Unlucky point");
        ObjectClassifier.UnwrapOctetString(UncompressedPoint(key)).Length.ShouldBe(63, "the ambiguity this test is about");

        var (certificates, keys) = ObjectClassifier.Classify(
        [
            EcKey(CKO.CKO_PUBLIC_KEY, "key", "0A", key, derWrapped: false),
            Certificate("certificate", "0B", certificate.RawData),
        ]);

        certificates.ShouldHaveSingleItem().HasPrivateKey.ShouldBeTrue();
        keys.ShouldHaveSingleItem().Role.ShouldBe(KeyRole.Certified, "a key with its certificate must never be offered for clean-up as an orphan");
    }

    [Fact]
    public void Keys_and_certificates_that_do_not_match_stay_apart()
    {
        var key = RsaKey1;
        using var certificateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = SelfSigned(certificateKey, "CN=Someone else");

        var (certificates, keys) = ObjectClassifier.Classify(
        [
            RsaKey(CKO.CKO_PRIVATE_KEY, "p11#5a7c1e", "0A", key),
            Certificate("certificate", "0B", certificate.RawData),
        ]);

        certificates.ShouldHaveSingleItem().HasPrivateKey.ShouldBeFalse();
        keys.ShouldHaveSingleItem().Role.ShouldBe(KeyRole.Orphan);
    }

    [Theory]
    [InlineData("SERVICE KEY")]
    [InlineData("Service Key")]
    [InlineData(" SERVICE KEY ")]
    [InlineData("Servisní klíč")]
    [InlineData("Servisni klic")]
    public void The_cas_service_key_is_recognised_by_its_label(string label)
    {
        var key = RsaKey1;

        var (_, keys) = ObjectClassifier.Classify([RsaKey(CKO.CKO_PRIVATE_KEY, label, "5345525649434B4559", key), RsaKey(CKO.CKO_PUBLIC_KEY, label, "5345525649434B4559", key)]);

        keys.Count.ShouldBe(2);
        keys.ShouldAllBe(k => k.Role == KeyRole.ServiceKey);
    }

    [Fact]
    public void The_service_key_stays_the_service_key_even_with_a_certificate()
    {
        var key = RsaKey1;
        using var certificate = SelfSigned(key, "CN=Device 0A1B2C3D");

        var (_, keys) = ObjectClassifier.Classify([RsaKey(CKO.CKO_PRIVATE_KEY, "SERVICE KEY", "01", key), Certificate("device", "01", certificate.RawData)]);

        keys.ShouldHaveSingleItem().Role.ShouldBe(KeyRole.ServiceKey);
    }

    [Theory]
    [InlineData("p11#5a7c1e90")]
    [InlineData("Old request")]
    [InlineData("SERVICE KEY 2")]
    public void Keys_without_a_certificate_are_orphans(string label)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var (_, keys) = ObjectClassifier.Classify([EcKey(CKO.CKO_PRIVATE_KEY, label, "0A", key)]);

        keys.ShouldHaveSingleItem().Role.ShouldBe(KeyRole.Orphan);
    }

    [Fact]
    public void A_p11_prefixed_key_that_has_its_certificate_is_certified_not_orphaned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = SelfSigned(key, "CN=Jan Novak");

        var (_, keys) = ObjectClassifier.Classify([EcKey(CKO.CKO_PRIVATE_KEY, "p11#5a7c1e90", "0A", key), Certificate("Jan Novak", "0A", certificate.RawData)]);

        keys.ShouldHaveSingleItem().Role.ShouldBe(KeyRole.Certified);
    }

    [Fact]
    public void Key_views_describe_type_size_curve_and_protection()
    {
        var rsa = RsaKey2;
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        var (_, keys) = ObjectClassifier.Classify(
        [
            RsaKey(CKO.CKO_PRIVATE_KEY, "rsa", "01", rsa),
            RsaKey(CKO.CKO_PUBLIC_KEY, "rsa without bits", "02", rsa, withModulusBits: false),
            EcKey(CKO.CKO_PUBLIC_KEY, "p256", "03", p256),
            EcKey(CKO.CKO_PUBLIC_KEY, "p384", "04", p384, curveOid: P384Oid),
            EcKey(CKO.CKO_PUBLIC_KEY, "brainpool", "05", p256, curveOid: "1.3.36.3.3.2.8.1.1.7"),
            Object(CKO.CKO_PRIVATE_KEY, "no key type", "06"),
        ]);

        var byLabel = keys.ToDictionary(k => k.Label);
        byLabel["rsa"].ShouldBe(new KeyView(KeyClass.Private, "01", "rsa", "RSA", 2048, null, KeyRole.Orphan, true, false, false));
        byLabel["rsa without bits"].SizeBits.ShouldBe(2048, "from the modulus length");
        byLabel["rsa without bits"].Class.ShouldBe(KeyClass.Public);
        (byLabel["p256"].KeyType, byLabel["p256"].SizeBits, byLabel["p256"].Curve).ShouldBe(("EC", (int?)256, "P-256"));
        (byLabel["p384"].KeyType, byLabel["p384"].SizeBits, byLabel["p384"].Curve).ShouldBe(("EC", (int?)384, "P-384"));
        (byLabel["brainpool"].KeyType, byLabel["brainpool"].SizeBits, byLabel["brainpool"].Curve).ShouldBe(("EC", (int?)null, "1.3.36.3.3.2.8.1.1.7"));
        byLabel["no key type"].KeyType.ShouldBe("?");
        byLabel["p256"].Sensitive.ShouldBeNull("not read for this object");
    }

    [Fact]
    public void Certificate_views_carry_what_the_holder_and_support_read()
    {
        var key = RsaKey1;
        using var certificate = SelfSigned(key, "CN=Jan Novak, C=CZ");

        var view = ObjectClassifier.Classify([Certificate("Jan Novak", "01", certificate.RawData)]).Certificates.ShouldHaveSingleItem();

        view.IdHex.ShouldBe("01");
        view.Label.ShouldBe("Jan Novak");
        view.Subject.ShouldBe(certificate.Subject);
        view.Issuer.ShouldBe(certificate.Issuer);
        view.SerialNumber.ShouldBe(certificate.SerialNumber);
        view.NotBefore.ShouldBe(new DateTimeOffset(certificate.NotBefore.ToUniversalTime()));
        view.NotAfter.ShouldBe(new DateTimeOffset(certificate.NotAfter.ToUniversalTime()));
        view.NotAfter.Offset.ShouldBe(TimeSpan.Zero);
        view.Sha256Fingerprint.ShouldBe(Convert.ToHexString(SHA256.HashData(certificate.RawData)));
        view.HasPrivateKey.ShouldBeFalse();
    }

    [Fact]
    public void Certificate_objects_without_a_parsable_value_are_left_out()
    {
        var (certificates, keys) = ObjectClassifier.Classify(
        [
            Certificate("garbage", "01", [0x30, 0x03, 0x02, 0x01]),
            Object(CKO.CKO_CERTIFICATE, "no value", "02"),
            Certificate("empty", "03", []),
            Object(CKO.CKO_DATA, "data", "04", (CKA.CKA_VALUE, [1, 2, 3])),
        ]);

        certificates.ShouldBeEmpty();
        keys.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(new[] { QcComplianceOid, QcSscdOid }, true, true)]
    [InlineData(new[] { QcComplianceOid, QcSscdOid, QcTypeOid }, true, true)]
    [InlineData(new[] { QcComplianceOid, QcTypeOid }, true, false)]
    [InlineData(new[] { QcSscdOid }, false, true)]
    [InlineData(new[] { QcTypeOid }, false, false)]
    [InlineData(new string[0], false, false)]
    public void Qc_statements_mark_qualified_certificates_and_keys_on_a_qscd(string[] statements, bool qualified, bool onQscd)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = SelfSigned(key, "CN=Jan Novak", QcStatements(statements));

        ObjectClassifier.QcStatements(certificate).ShouldBe((qualified, onQscd));
        var view = ObjectClassifier.Classify([Certificate("Jan Novak", "01", certificate.RawData)]).Certificates.ShouldHaveSingleItem();
        (view.IsQualified, view.IsOnQscd).ShouldBe((qualified, onQscd));
    }

    [Fact]
    public void Without_qc_statements_or_with_a_broken_extension_a_certificate_is_not_qualified()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var plain = SelfSigned(key, "CN=Commercial");
        using var broken = SelfSigned(key, "CN=Broken", new X509Extension(QcStatementsOid, [0x30, 0x05, 0x06, 0x03, 0x04], critical: false));

        ObjectClassifier.QcStatements(plain).ShouldBe((false, false));
        ObjectClassifier.QcStatements(broken).ShouldBe((false, false));
    }

    [Fact]
    public void Ec_points_are_unwrapped_only_when_der_wrapped()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var point = UncompressedPoint(key);

        ObjectClassifier.UnwrapOctetString(OctetString(point)).ShouldBe(point);
        byte[] raw = [0x04, 0x20, .. Enumerable.Range(0, 63).Select(i => (byte)i)]; // reads as a 32-byte OCTET STRING with trailing bytes
        ObjectClassifier.UnwrapOctetString(raw).ShouldBe(raw);
        ObjectClassifier.UnwrapOctetString([0x04, 0x81]).ShouldBe([0x04, 0x81], "not DER: left as it is");
        ObjectClassifier.UnwrapOctetString(OctetString([0x30, 0x00])).ShouldBe(OctetString([0x30, 0x00]), "wrapped, but not a point");
    }
}
