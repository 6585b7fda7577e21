using Qtsp.Shared.Devices;

namespace Qtsp.Shared.Tests.Devices;

/// <summary>The catalogue must say exactly what the CA's and the manufacturers' guides say about PINs.</summary>
public sealed class DeviceModelCatalogueTests
{
    /// <summary>One row of the guides' PIN table. MaxLength null: the guides publish no maximum for this secret.</summary>
    public sealed record PolicyRow(string ModelId, PinKind Kind, int MinLength, int? MaxLength, int? MaxTries, string FactoryValue, PinKind? UnblockedBy)
    {
        public override string ToString() => $"{ModelId} {Kind}";
    }

    private static readonly PolicyRow[] DomainTable =
    [
        .. SafeNetRows("etoken-5110-cc"),
        .. SafeNetRows("idprime-md"),
        new("proid-plus-q", PinKind.Pin, 4, 15, null, "12345678", PinKind.Puk),
        new("proid-plus-q", PinKind.Puk, 8, 15, null, "87654321", null),
        // ProID+Q has no QPUK: the PUK unblocks the QPIN as well.
        new("proid-plus-q", PinKind.QPin, 5, 15, null, "12345678", PinKind.Puk),
    ];

    private static IEnumerable<PolicyRow> SafeNetRows(string modelId) =>
    [
        new(modelId, PinKind.Pin, 4, null, 5, "12345678", PinKind.Puk),
        new(modelId, PinKind.Puk, 8, null, null, "87654321", null),
        new(modelId, PinKind.QPin, 6, null, 3, "12345678", PinKind.QPuk),
        new(modelId, PinKind.QPuk, 6, null, 3, "87654321", null),
    ];

    public static TheoryData<PolicyRow> Rows() => [.. DomainTable];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Policy_matches_the_domain_table(PolicyRow row)
    {
        var model = DeviceModelCatalogue.ById(row.ModelId);
        model.Id.ShouldBe(row.ModelId, "the model must be in the catalogue");

        var policy = model.Policy(row.Kind).ShouldNotBeNull();
        policy.Kind.ShouldBe(row.Kind);
        policy.MinLength.ShouldBe(row.MinLength);
        if (row.MaxLength is { } max)
        {
            policy.MaxLength.ShouldBe(max);
        }
        else
        {
            policy.MaxLength.ShouldBeGreaterThanOrEqualTo(row.FactoryValue.Length);
        }

        policy.MaxTries.ShouldBe(row.MaxTries);
        policy.FactoryValue.ShouldBe(row.FactoryValue);
        policy.UnblockedBy.ShouldBe(row.UnblockedBy);
        policy.Charset.ShouldBe(PinCharset.PrintableAscii);
    }

    [Theory]
    [InlineData("etoken-5110-cc", new[] { PinKind.Pin, PinKind.Puk, PinKind.QPin, PinKind.QPuk })]
    [InlineData("idprime-md", new[] { PinKind.Pin, PinKind.Puk, PinKind.QPin, PinKind.QPuk })]
    [InlineData("proid-plus-q", new[] { PinKind.Pin, PinKind.Puk, PinKind.QPin })]
    public void Model_has_exactly_the_secrets_of_the_table_and_all_factory_values_must_be_changed(string modelId, PinKind[] kinds)
    {
        var model = DeviceModelCatalogue.ById(modelId);

        model.PinPolicies.Select(p => p.Kind).ShouldBe(kinds, ignoreOrder: true);
        model.FactoryValuesMustBeChanged.ShouldBe(kinds, ignoreOrder: true);
    }

    [Fact]
    public void Every_model_holds_two_qualified_certificates()
    {
        foreach (var model in DeviceModelCatalogue.All.Append(DeviceModelCatalogue.Unknown))
        {
            model.QualifiedCertificateCapacity.ShouldBe(2, model.Id);
        }
    }

    [Fact]
    public void Every_policy_is_consistent_within_its_model()
    {
        foreach (var model in DeviceModelCatalogue.All.Append(DeviceModelCatalogue.Unknown))
        {
            model.PinPolicies.Select(p => p.Kind).ShouldBeUnique(model.Id);
            foreach (var policy in model.PinPolicies)
            {
                var where = $"{model.Id} {policy.Kind}";
                policy.MinLength.ShouldBeGreaterThan(0, where);
                policy.MaxLength.ShouldBeGreaterThanOrEqualTo(policy.MinLength, where);
                policy.MaxTries?.ShouldBeGreaterThan(0, where);

                // The unblock codes are not unblocked by anything; every other secret is, by a secret of the same model.
                if (policy.Kind.IsUnblockCode())
                {
                    policy.UnblockedBy.ShouldBeNull(where);
                }
                else
                {
                    var unblocker = policy.UnblockedBy.ShouldNotBeNull(where);
                    unblocker.IsUnblockCode().ShouldBeTrue(where);
                    model.Policy(unblocker).ShouldNotBeNull(where);
                }

                // A device returned as faulty must be set back to its factory values (the CA's complaint procedure):
                // the factory value has to pass the model's own policy.
                if (policy.FactoryValue is { } factory)
                {
                    policy.Check(factory).ShouldBeNull(where);
                }
            }

            foreach (var kind in model.FactoryValuesMustBeChanged)
            {
                model.Policy(kind).ShouldNotBeNull($"{model.Id} must change {kind}").FactoryValue.ShouldNotBeNull();
            }
        }
    }

    [Fact]
    public void Models_have_unique_ids_and_are_found_by_id()
    {
        DeviceModelCatalogue.All.Select(m => m.Id).ShouldBeUnique();
        foreach (var model in DeviceModelCatalogue.All)
        {
            DeviceModelCatalogue.ById(model.Id).ShouldBeSameAs(model);
        }

        DeviceModelCatalogue.ById("no-such-model").ShouldBeSameAs(DeviceModelCatalogue.Unknown);
        DeviceModelCatalogue.All.ShouldNotContain(DeviceModelCatalogue.Unknown);
    }

    [Fact]
    public void Unknown_device_has_no_tries_and_no_factory_values_to_assume()
    {
        var unknown = DeviceModelCatalogue.Unknown;

        unknown.FactoryValuesMustBeChanged.ShouldBeEmpty();
        unknown.PinPolicies.ShouldAllBe(p => p.MaxTries == null && p.FactoryValue == null);
    }

    [Theory]
    [InlineData("eToken 5110 CC", "etoken-5110-cc")]
    [InlineData("SafeNet eToken 5100 [eToken 5110 SC] 01", "etoken-5110-cc")]
    [InlineData("ETOKEN 5110", "etoken-5110-cc")]
    [InlineData("ID Prime MD", "idprime-md")]
    [InlineData("IDPrime MD 3840", "idprime-md")]
    [InlineData("ProID+Q", "proid-plus-q")]
    [InlineData("proid+q gen. 2", "proid-plus-q")]
    [InlineData("Bit4id TokenME", "bit4id-tokenme")]
    [InlineData("SoftHSM v2", "unknown")]
    [InlineData("", "unknown")]
    [InlineData("eToken", "unknown")]
    public void Recognises_a_model_from_what_the_module_reports(string reported, string expectedId)
    {
        DeviceModelCatalogue.Recognise(reported).Id.ShouldBe(expectedId);
    }

    [Fact]
    public void Recognises_from_any_of_several_reported_strings_and_ignores_missing_ones()
    {
        // CK_TOKEN_INFO.model, manufacturerID, slot description: any of them may carry the marker.
        DeviceModelCatalogue.Recognise(null, "SafeNet, Inc.", "SafeNet eToken 5100 [eToken 5110 SC] 01").ShouldBeSameAs(DeviceModelCatalogue.EToken5110Cc);
        DeviceModelCatalogue.Recognise("PKCS#15 emulated", null, "Monet+ ProID+Q").ShouldBeSameAs(DeviceModelCatalogue.ProIdPlusQ);
        DeviceModelCatalogue.Recognise(null, null).ShouldBeSameAs(DeviceModelCatalogue.Unknown);
        DeviceModelCatalogue.Recognise().ShouldBeSameAs(DeviceModelCatalogue.Unknown);
    }

    [Theory]
    [InlineData("SERVICE KEY", true)]
    [InlineData("service key", true)]
    [InlineData("  SERVICE KEY  ", true)]
    [InlineData("Servisní klíč", true)]
    [InlineData("SERVISNÍ KLÍČ", true)]
    [InlineData("servisni klic", true)]
    [InlineData("SERVICE KEY 2", false)]
    [InlineData("MY SERVICE KEY", false)]
    [InlineData("SERVICEKEY", false)]
    [InlineData("p11#0123abcd", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Recognises_the_service_key_by_its_label(string? label, bool expected)
    {
        DeviceModelCatalogue.IsServiceKeyLabel(label).ShouldBe(expected);
    }

    [Fact]
    public void Orphan_keys_are_named_with_the_middleware_prefix()
    {
        DeviceModelCatalogue.OrphanKeyPrefix.ShouldBe("p11#");
        DeviceModelCatalogue.ServiceKeyLabel.ShouldBe("SERVICE KEY");
    }

    [Theory]
    [InlineData(PinKind.Pin, false, false)]
    [InlineData(PinKind.Puk, true, false)]
    [InlineData(PinKind.QPin, false, true)]
    [InlineData(PinKind.QPuk, true, true)]
    public void Pin_kinds_know_whether_they_unblock_and_whether_they_guard_the_qualified_area(PinKind kind, bool unblock, bool qualified)
    {
        kind.IsUnblockCode().ShouldBe(unblock);
        kind.IsQualified().ShouldBe(qualified);
    }
}
