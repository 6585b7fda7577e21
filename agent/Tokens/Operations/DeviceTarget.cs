using System.Globalization;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>A device an operation works on: its module, its last reading and its model.</summary>
internal sealed record DeviceTarget(Pkcs11Module Module, DeviceSnapshot Device, DeviceModel Model)
{
    public AreaSnapshot Area(AreaKind kind) =>
        Device.Areas.FirstOrDefault(a => a.Kind == kind)
        ?? throw new OperationRefusedException(new AgentError(AgentErrorCode.DeviceNotFound));

    public ulong Slot(AreaKind kind) => ulong.Parse(Area(kind).SlotId, CultureInfo.InvariantCulture);

    public bool HasArea(AreaKind kind) => Device.Areas.Any(a => a.Kind == kind);

    /// <summary>The secrets of an area: PIN/PUK or QPIN and its unblock code.</summary>
    public (PinKind User, PinKind SecurityOfficer) PinKinds(AreaKind kind) => DeviceAssembler.PinKinds(Model, kind == AreaKind.Qualified);

    /// <summary>The model's policy for a secret, narrowed by the limits the token itself reports for its user PIN.</summary>
    public PinPolicy Policy(AreaKind kind, PinKind pin)
    {
        var policy = Model.Policy(pin) ?? DeviceModelCatalogue.Unknown.Policy(pin)!;
        var area = Area(kind);
        return pin == PinKinds(kind).User ? policy.NarrowedBy(area.MinPinLength, area.MaxPinLength) : policy;
    }
}
