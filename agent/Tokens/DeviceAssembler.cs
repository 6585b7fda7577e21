using System.Security.Cryptography;
using System.Text;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tokens;

/// <summary>
/// Groups the tokens of one module into physical devices and describes each area. Vendor middleware
/// exposes a two-PIN device as two "virtual" slots (PKCS#11 v2.11, appendix on multiple PINs): they share
/// the slot description and usually the serial number, and the second token is labelled
/// "&lt;label&gt; (&lt;PIN label&gt;)", e.g. "Jan Novak (Digital Signature PIN)".
/// </summary>
internal static class DeviceAssembler
{
    private static readonly string[] AllQualifiedMarkers = DeviceModelCatalogue.All
        .Append(DeviceModelCatalogue.Unknown)
        .SelectMany(m => m.QualifiedAreaMarkers)
        .Distinct(StringComparer.OrdinalIgnoreCase)
        .ToArray();

    public static IReadOnlyList<DeviceSnapshot> Assemble(IReadOnlyList<SlotReading> readings) =>
        Group(readings).Select(ToDevice).ToArray();

    /// <summary>
    /// Slots belong together when they share manufacturer and serial or the slot description; failing those,
    /// a token labelled "X (Digital Signature PIN)" joins the token labelled "X".
    /// </summary>
    internal static IReadOnlyList<IReadOnlyList<SlotReading>> Group(IReadOnlyList<SlotReading> readings)
    {
        var groups = new List<List<SlotReading>>();
        foreach (var reading in readings)
        {
            var joined = groups.Where(g => g.Any(member => SameHardware(member, reading))).ToList();
            groups.RemoveAll(joined.Contains);
            groups.Add([.. joined.SelectMany(g => g), reading]);
        }

        // The label convention only pairs a device seen with nothing but a qualified area with one seen with
        // nothing but a standard area: a holder's two devices plugged in together often carry the same labels.
        foreach (var qualifiedOnly in groups.Where(g => g.All(LooksQualified)).ToList())
        {
            var standardOnly = groups.FirstOrDefault(g => !g.Any(LooksQualified) && SameLabelBase(g[0], qualifiedOnly[0]));
            if (standardOnly is not null)
            {
                standardOnly.AddRange(qualifiedOnly);
                groups.Remove(qualifiedOnly);
            }
        }

        return groups;
    }

    private static bool SameHardware(SlotReading a, SlotReading b) =>
        a.ModulePath == b.ModulePath
        && ((a.Token.SerialNumber.Length > 0 && a.Token.SerialNumber == b.Token.SerialNumber && a.Token.ManufacturerId == b.Token.ManufacturerId)
            || (a.Slot.Description.Length > 0 && StripQualifiedMarker(a.Slot.Description) == StripQualifiedMarker(b.Slot.Description)));

    private static bool SameLabelBase(SlotReading a, SlotReading b) =>
        a.ModulePath == b.ModulePath
        && StripQualifiedMarker(a.Token.Label) is { Length: > 0 } label
        && label == StripQualifiedMarker(b.Token.Label);

    private static bool LooksQualified(SlotReading slot) => IsQualifiedLabel(slot.Token.Label) || MarkedQualifiedByModule(slot);

    /// <summary>The module itself says the slot is a qualified area: in its slot description or token model, which no user can set.</summary>
    private static bool MarkedQualifiedByModule(SlotReading slot) => IsQualifiedLabel(slot.Slot.Description) || IsQualifiedLabel(slot.Token.Model);

    /// <summary>
    /// Which slots of one device are its qualified area. What the module reports decides where it marks areas; a token
    /// label is typed by users, so it decides only for modules that mark nothing, and only in the virtual-slot form:
    /// "X (PIN label)" beside "X", or a device seen with one slot.
    /// </summary>
    internal static bool IsQualifiedArea(SlotReading slot, IReadOnlyList<SlotReading> device)
    {
        if (device.Any(MarkedQualifiedByModule))
        {
            return MarkedQualifiedByModule(slot);
        }

        if (!IsQualifiedLabel(slot.Token.Label))
        {
            return false;
        }

        var baseLabel = StripQualifiedMarker(slot.Token.Label);
        return device.Count == 1 || device.Any(other => !ReferenceEquals(other, slot) && other.Token.Label == baseLabel);
    }

    private static string StripQualifiedMarker(string text)
    {
        foreach (var marker in AllQualifiedMarkers)
        {
            if (text.EndsWith(marker, StringComparison.OrdinalIgnoreCase))
            {
                return text[..^marker.Length].TrimEnd();
            }
        }

        return text;
    }

    private static bool IsQualifiedLabel(string text) => StripQualifiedMarker(text).Length != text.Length;

    private static DeviceSnapshot ToDevice(IReadOnlyList<SlotReading> slots)
    {
        var first = slots[0];
        var model = DeviceModelCatalogue.Recognise(first.Token.Model, first.Token.ManufacturerId, first.Slot.Description);
        var areas = slots
            .Select(s => ToArea(s, model, IsQualifiedArea(s, slots)))
            .OrderBy(a => a.Kind)
            .ToArray();
        return new DeviceSnapshot(
            DeviceId(first),
            model.Id,
            model == DeviceModelCatalogue.Unknown ? first.Token.Model : model.DisplayName,
            first.Token.ManufacturerId,
            first.Token.SerialNumber,
            first.ModulePath,
            areas);
    }

    /// <summary>A stable identifier of the physical device: the same device gets the same id after re-plugging.</summary>
    private static string DeviceId(SlotReading slot)
    {
        var identity = slot.Token.SerialNumber.Length > 0
            ? $"{slot.ModulePath}|{slot.Token.ManufacturerId}|{slot.Token.SerialNumber}"
            : $"{slot.ModulePath}|slot|{StripQualifiedMarker(slot.Slot.Description)}|{StripQualifiedMarker(slot.Token.Label)}";
        return "dev-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..16];
    }

    internal static AreaSnapshot ToArea(SlotReading slot, DeviceModel model, bool qualified)
    {
        var token = slot.Token;
        var (certificates, keys) = ObjectClassifier.Classify(slot.Objects);
        var (userKind, soKind) = PinKinds(model, qualified);
        return new AreaSnapshot(
            qualified ? AreaKind.Qualified : AreaKind.Standard,
            slot.SlotId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            token.Label,
            token.Model,
            UserPinStatus(userKind, token),
            SoPinStatus(soKind, token),
            (int?)token.MinPinLength,
            (int?)token.MaxPinLength,
            token.Has(CKF.CKF_PROTECTED_AUTHENTICATION_PATH),
            Memory(token),
            slot.PrivateObjectsListed,
            certificates,
            keys,
            slot.LoggedIn);
    }

    /// <summary>The secrets guarding an area: PIN/PUK, or QPIN and whatever unblocks it on this model (QPUK, or the PUK on ProID+Q).</summary>
    internal static (PinKind User, PinKind SecurityOfficer) PinKinds(DeviceModel model, bool qualified) =>
        qualified ? (PinKind.QPin, model.Policy(PinKind.QPin)?.UnblockedBy ?? PinKind.QPuk) : (PinKind.Pin, PinKind.Puk);

    internal static PinStatus UserPinStatus(PinKind kind, TokenInfo token) => new(
        kind,
        !token.Has(CKF.CKF_USER_PIN_INITIALIZED) ? PinState.NotInitialized
            : State(token, CKF.CKF_USER_PIN_LOCKED, CKF.CKF_USER_PIN_FINAL_TRY, CKF.CKF_USER_PIN_COUNT_LOW),
        token.Has(CKF.CKF_USER_PIN_TO_BE_CHANGED));

    internal static PinStatus SoPinStatus(PinKind kind, TokenInfo token) => new(
        kind,
        State(token, CKF.CKF_SO_PIN_LOCKED, CKF.CKF_SO_PIN_FINAL_TRY, CKF.CKF_SO_PIN_COUNT_LOW),
        token.Has(CKF.CKF_SO_PIN_TO_BE_CHANGED));

    private static PinState State(TokenInfo token, ulong locked, ulong finalTry, ulong countLow) =>
        token.Has(locked) ? PinState.Locked
        : token.Has(finalTry) ? PinState.FinalTry
        : token.Has(countLow) ? PinState.CountLow
        : PinState.Ok;

    internal static MemoryStatus? Memory(TokenInfo token)
    {
        if (token.TotalPublicMemory is null && token.TotalPrivateMemory is null)
        {
            return null;
        }

        return new MemoryStatus((long?)token.TotalPublicMemory, (long?)token.FreePublicMemory, (long?)token.TotalPrivateMemory, (long?)token.FreePrivateMemory);
    }
}
