using System.Buffers.Binary;
using System.Text;

namespace Qtsp.E2E.Benchmarks.Protocol;

/// <summary>
/// What a simulated user reads from a Blazor Server render batch (the binary format blazor.web.js applies to the DOM): the
/// elements the batch inserts with their attributes and event handlers, the texts it shows, and the event handlers it
/// replaces on elements already shown. Not a DOM: enough to see that a page shows something and to find what to click.
/// </summary>
public sealed class RenderBatchView
{
    private const int FrameSize = 20;
    private const int EditSize = 16;

    // RenderTreeFrameType and RenderTreeEditType as the writer numbers them.
    private const int ElementFrame = 1;
    private const int TextFrame = 2;
    private const int AttributeFrame = 3;
    private const int MarkupFrame = 8;
    private const int PrependFrameEdit = 1;
    private const int SetAttributeEdit = 3;
    private const int UpdateTextEdit = 5;
    private const int UpdateMarkupEdit = 8;

    private readonly byte[] _data;
    private readonly int _framesAt;
    private readonly int _stringTableAt;
    private readonly int _stringCount;

    private RenderBatchView(byte[] data)
    {
        _data = data;
        // The batch ends with the offsets of its sections: updated components, reference frames, disposed components,
        // disposed event handlers, string table.
        var updatedAt = Int(data.Length - 20);
        _framesAt = Int(data.Length - 16);
        _stringTableAt = Int(data.Length - 4);
        _stringCount = (data.Length - 20 - _stringTableAt) / 4;

        var diffs = Int(updatedAt);
        for (var d = 0; d < diffs; d++)
        {
            var diffAt = Int(updatedAt + 4 + (4 * d));
            var componentId = Int(diffAt);
            var edits = Int(diffAt + 4);
            for (var e = 0; e < edits; e++)
            {
                var editAt = diffAt + 8 + (EditSize * e);
                var frame = Int(editAt + 8);
                switch (Int(editAt))
                {
                    case PrependFrameEdit:
                        ReadInserted(componentId, frame);
                        break;
                    case SetAttributeEdit when FrameHandler(frame) is var handler and not 0:
                        ReplacedHandlers.Add(new ReplacedHandler(componentId, FrameString(frame, 4)!, handler));
                        break;
                    case UpdateTextEdit or UpdateMarkupEdit when FrameString(frame, 4) is { } text:
                        Texts.Add(text);
                        break;
                }
            }
        }
    }

    public List<RenderedElement> Elements { get; } = [];

    public List<string> Texts { get; } = [];

    public List<ReplacedHandler> ReplacedHandlers { get; } = [];

    public static RenderBatchView Read(byte[] data) => new(data);

    private void ReadInserted(int componentId, int frame)
    {
        switch (FrameType(frame))
        {
            case ElementFrame:
                var end = frame + Int(FrameAt(frame) + 4);
                for (var f = frame; f < end; f++)
                {
                    switch (FrameType(f))
                    {
                        case ElementFrame:
                            Elements.Add(ReadElement(componentId, f));
                            break;
                        case TextFrame or MarkupFrame when FrameString(f, 4) is { } text:
                            Texts.Add(text);
                            break;
                    }
                }

                break;
            case TextFrame or MarkupFrame when FrameString(frame, 4) is { } text:
                Texts.Add(text);
                break;
        }
    }

    private RenderedElement ReadElement(int componentId, int frame)
    {
        var attributes = new Dictionary<string, string?>(StringComparer.Ordinal);
        var handlers = new Dictionary<string, ulong>(StringComparer.Ordinal);
        for (var f = frame + 1; f < FrameCount && FrameType(f) == AttributeFrame; f++)
        {
            var name = FrameString(f, 4)!;
            if (FrameHandler(f) is var handler and not 0)
            {
                handlers[name] = handler;
            }
            else
            {
                attributes[name] = FrameString(f, 8);
            }
        }

        return new RenderedElement(componentId, FrameString(frame, 8)!, attributes, handlers);
    }

    private int FrameCount => Int(_framesAt);

    private int FrameAt(int index) => _framesAt + 4 + (FrameSize * index);

    private int FrameType(int index) => Int(FrameAt(index));

    private ulong FrameHandler(int index) => FrameType(index) == AttributeFrame ? BinaryPrimitives.ReadUInt64LittleEndian(_data.AsSpan(FrameAt(index) + 12)) : 0;

    /// <summary>The string a frame's field at <paramref name="offset"/> (after the frame's type) points at, or null.</summary>
    private string? FrameString(int index, int offset) => String(Int(FrameAt(index) + offset));

    private string? String(int index)
    {
        if (index < 0 || index >= _stringCount)
        {
            return null;
        }

        // BinaryWriter's strings: the UTF-8 length as a 7-bit encoded integer, then the bytes.
        var at = Int(_stringTableAt + (4 * index));
        var length = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = _data[at++];
            length |= (b & 0x7F) << shift;
            if (b < 0x80)
            {
                break;
            }
        }

        return Encoding.UTF8.GetString(_data, at, length);
    }

    private int Int(int at) => BinaryPrimitives.ReadInt32LittleEndian(_data.AsSpan(at));
}

/// <summary>An element a render batch inserted: the component that rendered it, its attributes and its event handlers ("onclick": id).</summary>
public sealed record RenderedElement(int ComponentId, string Name, IReadOnlyDictionary<string, string?> Attributes, IReadOnlyDictionary<string, ulong> Handlers)
{
    public string? TestId => Attributes.GetValueOrDefault("data-testid");
}

/// <summary>An event handler a render batch gave an element already shown (a re-render with a new delegate).</summary>
public sealed record ReplacedHandler(int ComponentId, string EventName, ulong HandlerId);
